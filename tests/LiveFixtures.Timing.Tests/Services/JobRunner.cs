namespace LiveFixtures.Tests.Timing.Services;

/// <summary>Runs jobs with a per-job timeout on the given clock, and starts its background scheduler at most once.</summary>
public sealed class JobRunner(TimeProvider clock)
{
    private bool _schedulerRunning;
    private int _schedulerStarts;

    public int SchedulerStarts => Volatile.Read(ref _schedulerStarts);

    public async Task RunAsync(Func<CancellationToken, Task> job, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, clock);
        using var perJob = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        await job(perJob.Token);
    }

    /// <summary>A job that honours its token: it waits 5 s on the runner's clock.</summary>
    public Task ReportJobAsync(CancellationToken cancellationToken) => Task.Delay(TimeSpan.FromSeconds(5), clock, cancellationToken);

    /// <summary>A buggy job: it waits 30 s on the runner's clock and ignores its token.</summary>
    public Task StubbornJobAsync(CancellationToken cancellationToken) => Task.Delay(TimeSpan.FromSeconds(30), clock, CancellationToken.None);

    /// <summary>A buggy job: its retry pause waits on the real clock instead of the runner's.</summary>
    public async Task RealClockJobAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(400), cancellationToken); // Should have been Task.Delay(..., clock, ...).
    }

    /// <summary>Starts the scheduler unless it runs: a check-then-act with an await between the check and the act (the bug).</summary>
    public async Task EnsureSchedulerStartedAsync()
    {
        if (!_schedulerRunning)
        {
            await Task.Yield(); // Loading the schedule.
            _schedulerRunning = true;
            Interlocked.Increment(ref _schedulerStarts);
        }
    }

    /// <summary>The same check-then-act with no await in between: a race only real parallel threads can show.</summary>
    public void EnsureSchedulerStartedSynchronously()
    {
        if (!_schedulerRunning)
        {
            _schedulerRunning = true;
            Interlocked.Increment(ref _schedulerStarts);
        }
    }
}
