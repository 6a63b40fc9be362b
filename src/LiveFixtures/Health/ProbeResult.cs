namespace LiveFixtures.Extensibility;

/// <summary>Holds the outcome of one probe: healthy or not, and what it saw.</summary>
/// <param name="IsHealthy">Whether the probe passed.</param>
/// <param name="Description">What the probe saw, as a phrase for messages ("GET /health answered 503 ...").</param>
public readonly record struct ProbeResult(bool IsHealthy, string Description)
{
    /// <summary>Creates a passing result.</summary>
    /// <param name="description">What the probe saw.</param>
    /// <returns>The result.</returns>
    public static ProbeResult Healthy(string description) => new(true, description);

    /// <summary>Creates a failing result.</summary>
    /// <param name="description">What the probe saw.</param>
    /// <returns>The result.</returns>
    public static ProbeResult Unhealthy(string description) => new(false, description);

    /// <summary>Formats the result for messages.</summary>
    /// <returns>"healthy: ..." or "unhealthy: ...".</returns>
    public override string ToString() => (IsHealthy ? "healthy: " : "unhealthy: ") + Description;
}
