using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class CancellationTests
{
    [Fact(Timeout = 30_000)]
    public async Task HonoursPreCancelledTokenAsync_JobIgnoresItsTokenAndNobodyAdvancesTheClock_FailsFastSayingSo()
    {
        var clock = new VirtualTimeProvider { StallTimeout = TimeSpan.FromMilliseconds(200) };
        var runner = new JobRunner(clock);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() =>
            Cancellation.HonoursPreCancelledTokenAsync(runner.StubbornJobAsync, new CancellationOptions { TimeProvider = clock }, TestContext.Current.CancellationToken));

        Assert.Contains("Cancellation.HonoursPreCancelledTokenAsync", error.Message, StringComparison.Ordinal);
        Assert.Contains("nothing has advanced that clock for 200 ms of real time", error.Message, StringComparison.Ordinal);
        Assert.Contains("clock.AutoAdvanceUntilAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HonoursPreCancelledTokenAsync_JobIgnoresItsTokenUnderAutoAdvance_FailsSayingItStartedWork()
    {
        var clock = new VirtualTimeProvider();
        var runner = new JobRunner(clock);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => clock.AutoAdvanceUntilAsync(
            Cancellation.HonoursPreCancelledTokenAsync(runner.StubbornJobAsync, new CancellationOptions { TimeProvider = clock }, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));

        Assert.Contains("it starts work before it looks at its token", error.Message, StringComparison.Ordinal);
    }
}
