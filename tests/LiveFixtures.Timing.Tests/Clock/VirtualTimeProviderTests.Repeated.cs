using System.Diagnostics;
using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

/// <summary>Correct code within the clock's guarantee never fails: the same scenario 1,000 times, outside and inside a scope.</summary>
public sealed partial class VirtualTimeProviderTests
{
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("LIVEFIXTURES_REPEAT_RUNS"), out var runs) ? runs : 1_000;

    [Fact(Timeout = 600_000)]
    public async Task AdvanceAsync_ThreeServicesAThousandTimes_EveryTickAtItsTimeEveryRun()
    {
        var watch = Stopwatch.StartNew();
        for (var run = 0; run < Runs; run++)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            await ThreeServicesForTwoMinutesAsync(run, scoped: false);
        }

        TestContext.Current.SendDiagnosticMessage($"{Runs} tracked runs in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact(Timeout = 600_000)]
    public async Task RunAsync_ThreeServicesAThousandTimes_EveryTickAtItsTimeEveryRun()
    {
        var watch = Stopwatch.StartNew();
        for (var run = 0; run < Runs; run++)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            await ThreeServicesForTwoMinutesAsync(run, scoped: true);
        }

        TestContext.Current.SendDiagnosticMessage($"{Runs} scoped runs in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>A heartbeat (Task.Delay), a snapshot loop (PeriodicTimer and work on the pool) and a draining worker host, over two virtual minutes.</summary>
    private static async Task ThreeServicesForTwoMinutesAsync(int run, bool scoped)
    {
        var clock = new VirtualTimeProvider();
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(10));
        var snapshots = new HealthSnapshotLoop(clock, TimeSpan.FromSeconds(15), blockingWork: TimeSpan.Zero);
        await using var host = new WorkerHost(clock);

        async Task Body()
        {
            using var stop = new CancellationTokenSource();
            var beating = monitor.RunAsync(stop.Token);
            var snapping = snapshots.RunAsync(stop.Token);
            host.Start();
            for (var second = 0; second < 120; second += 30)
            {
                host.Enqueue($"item {second}");
                await clock.AdvanceAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            }

            await stop.CancelAsync();
            await snapping;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => beating);
        }

        if (scoped)
        {
            await clock.RunAsync(Body, TestContext.Current.CancellationToken);
        }
        else
        {
            await Body();
        }

        var context = $"run {run} ({(scoped ? "scoped" : "tracked")})";
        Assert.True(monitor.Beats.SequenceEqual(Enumerable.Range(1, 12).Select(i => clock.Start + TimeSpan.FromSeconds(10 * i))), $"{context}: beats {string.Join(", ", monitor.Beats.Select(b => b - clock.Start))}");
        Assert.True(snapshots.Snapshots.SequenceEqual(Enumerable.Range(1, 8).Select(i => clock.Start + TimeSpan.FromSeconds(15 * i))), $"{context}: snapshots {string.Join(", ", snapshots.Snapshots.Select(b => b - clock.Start))}");
        Assert.True(host.Drained == 4, $"{context}: drained {host.Drained}");
        Assert.True(clock.Notes.Count == 0, $"{context}: {string.Join(" | ", clock.Notes)}");
    }
}
