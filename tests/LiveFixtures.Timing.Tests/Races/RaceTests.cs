using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class RaceTests
{

    [Fact(Timeout = 30_000)]
    public async Task StartTogetherAsync_EightOperations_AllRunAtTheSameTime()
    {
        var inside = 0;

        var result = await Race.StartTogetherAsync(
            8,
            (index, _) =>
            {
                Interlocked.Increment(ref inside);
                var allInside = SpinWait.SpinUntil(() => Volatile.Read(ref inside) == 8, TimeSpan.FromSeconds(10));
                return Task.FromResult((index, allInside));
            },
            TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(0, 8), result.Results.Select(r => r.index));
        Assert.All(result.Results, r => Assert.True(r.allInside));
    }

    [Fact]
    public async Task StartTogetherAsync_SomeOperationsFail_CollectsEveryResultAndException()
    {
        var result = await Race.StartTogetherAsync(
            6,
            async (index, ct) =>
            {
                switch (index % 3)
                {
                    case 0:
                        throw new InvalidOperationException($"sync {index}");
                    case 1:
                        await Task.Yield();
                        throw new InvalidOperationException($"async {index}");
                    default:
                        await Task.Yield();
                        return index;
                }
            },
            TestContext.Current.CancellationToken);

        Assert.Equal([2, 5], result.Results);
        Assert.Equal(["sync 0", "async 1", "sync 3", "async 4"], result.Exceptions.Select(e => e.Message));
        Assert.Equal(TaskStatus.Faulted, result.Outcomes[0].Status);
        var error = Assert.Throws<TimingAssertionException>(result.ThrowIfAnyFailed);
        Assert.StartsWith("4 of 6 operations started together did not complete normally:", error.Message, StringComparison.Ordinal);
        Assert.Contains("#1 Faulted: InvalidOperationException: async 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartTogetherAsync_OperationWithoutResultIsCanceled_RecordsTheCancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var result = await Race.StartTogetherAsync(2, (index, _) => index == 0 ? Task.CompletedTask : Task.FromCanceled(cancelled.Token), TestContext.Current.CancellationToken);

        Assert.True(result.Outcomes[0].Succeeded);
        Assert.Null(result.Outcomes[0].Result);
        Assert.Equal(TaskStatus.Canceled, result.Outcomes[1].Status);
        Assert.IsType<TaskCanceledException>(result.Outcomes[1].Exception);
        Assert.Equal("2 operations: 1 completed, 1 failed", result.ToString());
    }
}
