using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class RepeatTests
{
    [Fact]
    public async Task RunAsync_RaceFoundByRepeatTimesRace_FailureSaysTheSeedDoesNotReplayTheInterleaving()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Repeat.RunAsync(
            20,
            async _ =>
            {
                var runner = new JobRunner(TimeProvider.System);
                await Race.StartTogetherAsync(4, (_, _) => runner.EnsureSchedulerStartedAsync(), TestContext.Current.CancellationToken);
                Assert.Equal(1, runner.SchedulerStarts);
            },
            new RepeatOptions { Seed = 7 },
            TestContext.Current.CancellationToken));

        Assert.StartsWith("Iteration 0 of 20 failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("It does not replay thread interleavings or timing", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Replay just this iteration", error.Message, StringComparison.Ordinal);
    }
}
