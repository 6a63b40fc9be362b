using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class RepeatTests
{

    [Fact]
    public async Task RunAsync_SameSeed_GivesEveryIterationTheSameData()
    {
        var first = new List<int>();
        var second = new List<int>();

        await Repeat.RunAsync(20, i => first.Add(i.Random.Next()), new RepeatOptions { Seed = 42 }, TestContext.Current.CancellationToken);
        await Repeat.RunAsync(20, i => second.Add(i.Random.Next()), new RepeatOptions { Seed = 42 }, TestContext.Current.CancellationToken);

        Assert.Equal(first, second);
        Assert.Equal(20, first.Distinct().Count());
        Assert.Contains("Repeat: base seed 42, 20 iteration(s)", TestContext.Current.TestOutputHelper!.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AnIterationFails_NamesTheIterationAndSeedAndHowToReplayIt()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Repeat.RunAsync(
            100,
            async iteration =>
            {
                await Task.Yield();
                if (iteration.Index == 37)
                {
                    throw new InvalidOperationException($"lost an update ({iteration.Random.Next(1000)})");
                }
            },
            new RepeatOptions { Seed = 42 },
            TestContext.Current.CancellationToken));

        Assert.StartsWith("Iteration 37 of 100 failed (iteration seed ", error.Message, StringComparison.Ordinal);
        Assert.Contains("base seed 42): InvalidOperationException: lost an update", error.Message, StringComparison.Ordinal);
        Assert.Contains("new RepeatOptions { Seed = 42, OnlyIteration = 37 }", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public async Task RunAsync_ReplayOneIteration_RunsOnlyItWithTheSameRandomData()
    {
        int? original = null;
        await Repeat.RunAsync(50, i => original = i.Index == 37 ? i.Random.Next() : original, new RepeatOptions { Seed = 7 }, TestContext.Current.CancellationToken);
        var replayed = new List<(int Index, int Value)>();

        await Repeat.RunAsync(50, i => replayed.Add((i.Index, i.Random.Next())), new RepeatOptions { Seed = 7, OnlyIteration = 37 }, TestContext.Current.CancellationToken);

        Assert.Equal([(37, original!.Value)], replayed);
    }

    [Fact]
    public async Task RunAsync_OnlyIterationWithoutSeed_IsRejected()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Repeat.RunAsync(10, _ => { }, new RepeatOptions { OnlyIteration = 3 }, TestContext.Current.CancellationToken));

        Assert.Contains("needs the Seed", error.Message, StringComparison.Ordinal);
    }
}
