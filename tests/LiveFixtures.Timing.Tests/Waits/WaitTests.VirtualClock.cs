using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class WaitTests
{
    [Fact]
    public async Task ConsistentlyAsync_HeartbeatHealthyForThirtyVirtualMinutes_PassesWithTheDefaults()
    {
        var clock = new VirtualTimeProvider();
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(10));
        using var stop = new CancellationTokenSource();
        var running = monitor.RunAsync(stop.Token);

        await clock.AutoAdvanceUntilAsync(
            Wait.ConsistentlyAsync(() => monitor.IsHealthy, TimeSpan.FromMinutes(30), new WaitOptions { TimeProvider = clock, Description = "the heartbeat" }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);

        Assert.Equal(clock.Start + TimeSpan.FromMinutes(30), clock.GetUtcNow());
        // The 180th beat is due at the instant the window ends; the window's timer was armed first, so it fires first.
        Assert.Equal(179, monitor.Beats.Count);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task ConsistentlyAsync_HeartbeatStopsInTheWindow_FailsBlamingTheConditionNotTheProbes()
    {
        var clock = new VirtualTimeProvider();
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(10));
        using var stop = new CancellationTokenSource();
        var running = monitor.RunAsync(stop.Token);
        using var stopAtTwelveMinutes = clock.CreateTimer(_ => stop.Cancel(), null, TimeSpan.FromMinutes(12), Timeout.InfiniteTimeSpan);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => clock.AutoAdvanceUntilAsync(
            Wait.ConsistentlyAsync(() => monitor.IsHealthy, TimeSpan.FromMinutes(30), new WaitOptions { TimeProvider = clock, Description = "the heartbeat" }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken));

        Assert.StartsWith("The heartbeat stopped holding 12 min", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact(Timeout = 30_000)]
    public async Task EventuallyAsync_VirtualClockNobodyAdvances_FailsFastSayingSo()
    {
        var clock = new VirtualTimeProvider { StallTimeout = TimeSpan.FromMilliseconds(200) };
        var monitor = new HeartbeatMonitor(clock, TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() =>
            Wait.EventuallyAsync(() => monitor.Beats.Count > 0, new WaitOptions { TimeProvider = clock, Description = "the first beat" }, TestContext.Current.CancellationToken));

        Assert.StartsWith("Wait.EventuallyAsync (for the first beat) waits on a VirtualTimeProvider, but nothing has advanced that clock", error.Message, StringComparison.Ordinal);
    }
}
