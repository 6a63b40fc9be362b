namespace LiveFixtures.Extensibility;

/// <summary>Checks one thing about a running generation: is it up yet (readiness) or still fine (liveness).</summary>
/// <remarks>Build probes with the factory methods on <see cref="Probe"/>, or implement this interface.</remarks>
public interface IProbe
{
    /// <summary>Gets a short description for messages, such as "GET {port}/health answers 2xx".</summary>
    string Description { get; }

    /// <summary>
    /// Gets whether the probe only changes its answer when the process writes output, so that a
    /// readiness wait can sleep until a new line arrives instead of polling.
    /// </summary>
    bool IsEventDriven => false;

    /// <summary>Runs the probe once.</summary>
    /// <param name="context">The generation being probed.</param>
    /// <param name="cancellationToken">Cancelled when the probe's time is up or the process died.</param>
    /// <returns>What the probe saw.</returns>
    ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken);
}
