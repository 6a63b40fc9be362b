using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class DeadlineTests
{
    [Fact]
    public async Task CompleteWithinAsync_JobWaitsOnTheRealClock_SaysItWaitsOutsideTheVirtualClockNotThatItIsSlow()
    {
        var runner = new JobRunner(_clock);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => _clock.AutoAdvanceUntilAsync(
            Deadline.CompleteWithinAsync(TimeSpan.FromSeconds(5), runner.RealClockJobAsync, new DeadlineOptions { TimeProvider = _clock }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken));

        Assert.Contains("but not because it is slow", error.Message, StringComparison.Ordinal);
        Assert.Contains("most often the real clock", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("its speed is the problem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteWithinAsync_JobIsSlowOnTheVirtualClock_StillSaysItsSpeedIsTheProblem()
    {
        var runner = new JobRunner(_clock);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => _clock.AutoAdvanceUntilAsync(
            Deadline.CompleteWithinAsync(TimeSpan.FromSeconds(2), runner.ReportJobAsync, new DeadlineOptions { TimeProvider = _clock }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken));

        Assert.Contains("its speed is the problem", error.Message, StringComparison.Ordinal);
    }
}
