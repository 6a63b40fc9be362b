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

    /// <summary>
    /// Gets whether the app answered (an HTTP status came back) although the result is unhealthy: it listens, but is not
    /// ready yet. Readiness then polls it slowly, since each attempt costs the app a request and often a log line.
    /// </summary>
    internal bool Answered { get; init; }

    /// <summary>Formats the result for messages.</summary>
    /// <returns>"healthy: ..." or "unhealthy: ...".</returns>
    public override string ToString() => (IsHealthy ? "healthy: " : "unhealthy: ") + Description;
}
