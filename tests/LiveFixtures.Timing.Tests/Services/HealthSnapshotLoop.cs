namespace LiveFixtures.Tests.Timing.Services;

/// <summary>
/// Takes a health snapshot on every tick of a <see cref="PeriodicTimer"/>; collecting one is blocking work (it reads the
/// system), done on a pool thread, as real snapshot code does.
/// </summary>
public sealed class HealthSnapshotLoop(TimeProvider clock, TimeSpan period, TimeSpan blockingWork)
{
    private readonly List<DateTimeOffset> _snapshots = [];

    public IReadOnlyList<DateTimeOffset> Snapshots
    {
        get
        {
            lock (_snapshots)
            {
                return [.. _snapshots];
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var takenAt = clock.GetUtcNow();
                await Task.Run(() => Collect(blockingWork), cancellationToken);
                lock (_snapshots)
                {
                    _snapshots.Add(takenAt);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private static void Collect(TimeSpan work)
    {
        if (work > TimeSpan.Zero)
        {
            Thread.Sleep(work); // Blocking work, like reading /proc or a slow driver.
        }
    }
}
