using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class LeakGuardTests
{
    [Fact]
    public async Task DisposeAsync_WorkerHostLoopOutlivesItsDisposeAsync_ReportsItsTimerStillArmed()
    {
        var clock = new VirtualTimeProvider();
        var guard = LeakGuard.Start(new LeakGuardOptions { Clock = clock, CheckProcesses = false, ExitGrace = TimeSpan.Zero });
        var host = new WorkerHost(clock, forgetsToStopTheLoop: true);
        host.Start();
        host.Enqueue("job");
        await clock.AdvanceAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await host.DisposeAsync();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => guard.DisposeAsync().AsTask());

        Assert.Equal(1, host.Drained);
        Assert.Contains("1 timer(s) armed on the virtual clock during it are still armed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Task.Delay due 2000-01-01 00:00:02.000Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_WorkerHostStopsItsLoop_Passes()
    {
        var clock = new VirtualTimeProvider();
        await using (LeakGuard.Start(new LeakGuardOptions { Clock = clock, CheckProcesses = false }))
        {
            var host = new WorkerHost(clock);
            host.Start();
            host.Enqueue("job");
            await clock.AdvanceAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            await host.DisposeAsync();
            Assert.Equal(1, host.Drained);
        }
    }
}
