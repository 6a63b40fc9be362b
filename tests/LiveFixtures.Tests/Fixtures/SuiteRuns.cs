namespace LiveFixtures.Tests.Fixtures;

/// <summary>Runs the example suite once per mode, when a test first asks, and shares the report between the tests of a class.</summary>
public sealed class SuiteRuns : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lazy<Task<SuiteReport>> _normal;
    private readonly Lazy<Task<SuiteReport>> _budget;

    /// <summary>Initializes the runs; nothing starts until a test asks for a report.</summary>
    public SuiteRuns()
    {
        _normal = new(() => SuiteRun.RunAsync("normal", _disposed.Token));
        _budget = new(() => SuiteRun.RunAsync("budget", _disposed.Token));
    }

    /// <summary>Gets the report of the normal run: Class12 crashes the shared app, Class25 degrades it.</summary>
    internal Task<SuiteReport> Normal => _normal.Value;

    /// <summary>Gets the report of the budget run: the shared app crashes on every first click until its budget is used up.</summary>
    internal Task<SuiteReport> Budget => _budget.Value;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // A run still going (its test timed out) is cancelled, which kills its process tree.
        await _disposed.CancelAsync();
        foreach (var run in new[] { _normal, _budget }.Where(r => r.IsValueCreated))
        {
            await run.Value.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        _disposed.Dispose();
    }
}
