namespace LiveFixtures.Tests.Fixtures;

/// <summary>Runs the example suite once per mode, when a test first asks, and shares the report between the tests of a class.</summary>
public sealed class SuiteRuns : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lazy<Task<SuiteReport>> _normal;
    private readonly Lazy<Task<SuiteReport>> _budget;
    private readonly Lazy<Task<SuiteReport>> _parallel;

    /// <summary>Initializes the runs; nothing starts until a test asks for a report.</summary>
    public SuiteRuns()
    {
        _normal = new(() => SuiteRun.RunAsync("normal", _disposed.Token));
        _budget = new(() => SuiteRun.RunAsync("budget", _disposed.Token));

        // xUnit 4's ParallelMode.All from the command line (it overrides the suite's serial attribute): every test of the
        // 44 shared classes may run at once, up to 4 at a time, on the one shared app.
        _parallel = new(() => SuiteRun.RunAsync("normal", _disposed.Token, "-parallelMode", "all", "-maxThreads", "4"));
    }

    /// <summary>Gets the report of the normal run: Class12 crashes the shared app, Class25 degrades it.</summary>
    internal Task<SuiteReport> Normal => _normal.Value;

    /// <summary>Gets the report of the budget run: the shared app crashes on every first click until its budget is used up.</summary>
    internal Task<SuiteReport> Budget => _budget.Value;

    /// <summary>Gets the report of the normal mode run with every test in parallel (xUnit's <c>ParallelMode.All</c>).</summary>
    internal Task<SuiteReport> Parallel => _parallel.Value;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // A run still going (its test timed out) is cancelled, which kills its process tree.
        await _disposed.CancelAsync();
        foreach (var run in new[] { _normal, _budget, _parallel }.Where(r => r.IsValueCreated))
        {
            await run.Value.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        _disposed.Dispose();
    }
}
