namespace LiveFixtures.FluentAssertions;

/// <summary>Adds <c>.Should()</c> to the handle, its stop report and cancellable operations.</summary>
public static class LiveFixturesAssertionExtensions
{
    /// <summary>Starts assertions on a handle.</summary>
    /// <param name="process">The handle.</param>
    /// <returns>The assertions.</returns>
    public static LiveProcessAssertions Should(this LiveProcess process) => new(process);

    /// <summary>Starts assertions on a stop report.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The assertions.</returns>
    public static StopReportAssertions Should(this StopReport report) => new(report);

    /// <summary>Starts assertions on a cancellable operation.</summary>
    /// <param name="operation">The operation.</param>
    /// <returns>The assertions.</returns>
    public static CancellableOperationAssertions Should(this Func<CancellationToken, Task> operation) => new(operation);
}
