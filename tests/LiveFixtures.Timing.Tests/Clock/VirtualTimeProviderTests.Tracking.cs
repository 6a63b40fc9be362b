using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

/// <summary>Issue 10: the clock knows what is left to run instead of guessing from the thread pool.</summary>
public sealed partial class VirtualTimeProviderTests
{
    [Fact]
    public async Task AdvanceAsync_HeartbeatForThirtyMinutes_BeatsEveryTenSecondsAtItsTime()
    {
        var clock = new VirtualTimeProvider();
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(10));
        using var stop = new CancellationTokenSource();
        var running = monitor.RunAsync(stop.Token);

        await clock.AdvanceAsync(TimeSpan.FromMinutes(30), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, 180).Select(i => clock.Start + TimeSpan.FromSeconds(10 * i)), monitor.Beats);
        Assert.Empty(clock.Notes);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task AdvanceAsync_SnapshotLoopDoesBlockingWorkOnThePool_NoPeriodicTickIsLost()
    {
        var clock = new VirtualTimeProvider();
        var loop = new HealthSnapshotLoop(clock, TimeSpan.FromSeconds(10), blockingWork: TimeSpan.FromMilliseconds(30));
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);
        await clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);

        await clock.AdvanceAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, 30).Select(i => clock.Start + TimeSpan.FromSeconds(10 * i)), loop.Snapshots);
        await stop.CancelAsync();
        await running;
    }

    [Fact(Timeout = 30_000)]
    public async Task AutoAdvanceUntilAsync_ClientWaitsForARealSlowResponse_HoldsTimeUntilTheResponseArrives()
    {
        await using var server = new SlowHttpServer(TimeSpan.FromMilliseconds(50));
        var clock = new VirtualTimeProvider();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new RetryingClient(http, clock);

        var body = await clock.AutoAdvanceUntilAsync(client.GetAsync("status", TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        Assert.Equal("pong", body);
        Assert.Equal(1, client.Attempts);
        Assert.Equal(clock.Start, clock.GetUtcNow());
    }

    [Fact]
    public async Task AutoAdvanceUntilAsync_JobWaitsOnTheRealClock_NotesThatItWaitsOutsideTheClock()
    {
        var clock = new VirtualTimeProvider();
        var runner = new JobRunner(clock);

        await clock.AutoAdvanceUntilAsync(runner.RealClockJobAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        var note = Assert.Single(clock.Notes);
        Assert.Contains("with no timer armed on the virtual clock", note, StringComparison.Ordinal);
        Assert.Contains("most likely the real clock", note, StringComparison.Ordinal);
        Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("most likely the real clock", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdvanceAsync_TimerArmedByCodeOutsideTheClocksFlow_IsNotedAsWorkThatEscapedTheClock()
    {
        var clock = new VirtualTimeProvider();
        using var stop = new CancellationTokenSource();
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(10));
        Task running;
        using (ExecutionContext.SuppressFlow())
        {
            running = Task.Run(() => monitor.RunAsync(stop.Token), TestContext.Current.CancellationToken);
        }

        await clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);
        await clock.AdvanceAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Contains(clock.Notes, n => n.Contains("armed by code that runs outside the clock's tracked flow", StringComparison.Ordinal));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task RunAsync_ContinuationsOnTheScope_RunInTheOrderTheyWereQueuedEveryTime()
    {
        var clock = new VirtualTimeProvider();
        var order = new List<string>();

        await clock.RunAsync(async () =>
        {
            var workers = Enumerable.Range(0, 3).Select(async i =>
            {
                for (var round = 0; round < 3; round++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), clock, TestContext.Current.CancellationToken);
                    order.Add($"{i}.{round}");
                    await Task.Yield();
                    order.Add($"{i}.{round}'");
                }
            }).ToList();

            await clock.AdvanceAsync(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

            Assert.All(workers, w => Assert.True(w.IsCompletedSuccessfully));
        }, TestContext.Current.CancellationToken);

        // On the scope's one thread, each firing's continuation runs to its next await before the next timer fires.
        Assert.Equal(["0.0", "0.0'", "1.0", "1.0'", "2.0", "2.0'", "0.1", "0.1'", "1.1", "1.1'", "2.1", "2.1'", "0.2", "0.2'", "1.2", "1.2'", "2.2", "2.2'"], order);
    }

    [Fact]
    public async Task RunAsync_SnapshotLoopAndHeartbeatInTheScope_EveryTickAtItsTime()
    {
        var clock = new VirtualTimeProvider();
        var loop = new HealthSnapshotLoop(clock, TimeSpan.FromSeconds(10), blockingWork: TimeSpan.FromMilliseconds(5));
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(7));

        await clock.RunAsync(async () =>
        {
            using var stop = new CancellationTokenSource();
            var snapshots = loop.RunAsync(stop.Token);
            var beats = monitor.RunAsync(stop.Token);

            await clock.AdvanceAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

            await stop.CancelAsync();
            await snapshots;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => beats);
        }, TestContext.Current.CancellationToken);

        Assert.Equal(12, loop.Snapshots.Count);
        Assert.Equal(17, monitor.Beats.Count);
    }

    [Fact]
    public async Task AdvanceAsync_ThreadOfTheTestBlocksForGood_WaitsOnlyTheSettleTimeoutOnceAndNotesIt()
    {
        var clock = new VirtualTimeProvider { SettleTimeout = TimeSpan.FromMilliseconds(100) };
        using var consumer = new LegacyQueueConsumer(clock);
        consumer.Start(); // its thread runs code of the test's flow, blocked on an empty queue
        using var stop = new CancellationTokenSource();
        var reporting = consumer.ReportEveryMinuteAsync(stop.Token);

        await clock.AdvanceAsync(TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken);

        Assert.Equal(10, consumer.Reports);
        var note = Assert.Single(clock.Notes);
        Assert.Contains("1 thread(s) kept running code of the test for more than 100 ms of real time", note, StringComparison.Ordinal);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reporting);
    }
}

