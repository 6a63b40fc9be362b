namespace LiveFixtures.Benchmarks;

/// <summary>Names the liveness probe a benchmarked fixture is configured with.</summary>
public enum LivenessProbe
{
    /// <summary>No liveness probe: only an exit counts as a death.</summary>
    None,

    /// <summary>An HTTP liveness probe, <c>GET /health</c> on loopback, as <c>TestAppPaths.Builder</c> configures.</summary>
    Http,
}
