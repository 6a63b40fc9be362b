using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class RaceTests
{
    [Fact]
    public async Task StartTogetherAsync_CheckThenActWithAnAwaitBetween_EveryRacerPassesTheCheckInOneRound()
    {
        var runner = new JobRunner(TimeProvider.System);

        var result = await Race.StartTogetherAsync(8, (_, _) => runner.EnsureSchedulerStartedAsync(), TestContext.Current.CancellationToken);

        result.ThrowIfAnyFailed();
        Assert.Equal(8, runner.SchedulerStarts);
    }

    [Fact]
    public async Task StartTogetherAsync_WithOptions_RunsRoundsUntilTheBudgetAndSaysWhichRoundItReturns()
    {
        var rounds = 0;

        var result = await Race.StartTogetherAsync(
            4,
            (index, _) =>
            {
                if (index == 0)
                {
                    Interlocked.Increment(ref rounds);
                }

                return Task.FromResult(index);
            },
            new RaceOptions { Rounds = 5, Stagger = true },
            TestContext.Current.CancellationToken);

        Assert.Equal(5, result.Round);
        Assert.Equal(5, rounds);
        Assert.Equal([0, 1, 2, 3], result.Results);
    }
}
