using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class DeadlineTests
{
    private static readonly TimeSpan TwoSeconds = TimeSpan.FromSeconds(2);

    private readonly VirtualTimeProvider _clock = new();


    [Fact]
    public async Task CompleteWithinAsync_OperationCompletesInTime_ReturnsItsResult()
    {
        var result = await Run(async ct =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _clock, ct);
            return 42;
        });

        Assert.Equal(42, result);
        Assert.Equal(_clock.Start + TimeSpan.FromSeconds(1), _clock.GetUtcNow());
    }

    [Fact]
    public async Task CompleteWithinAsync_OperationCompletesExactlyAtTheDeadline_Passes()
    {
        await Run(async ct =>
        {
            await Task.Delay(TwoSeconds, _clock, ct);
            return 0;
        });
    }

    [Fact]
    public async Task CompleteWithinAsync_OperationThrowsInTime_PropagatesItsException()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Run<int>(_ => throw new InvalidOperationException("boom")));
    }

    [Fact]
    public async Task CompleteWithinAsync_OperationStopsWhenCancelledAtTheDeadline_FailsSayingItStopped()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Run(async ct =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), _clock, ct);
            return 0;
        }));

        Assert.Contains("did not complete within its 2 s deadline", error.Message, StringComparison.Ordinal);
        Assert.Contains("stopped 0 ms after it was cancelled (ended Canceled)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteWithinAsync_OperationIgnoresTheCancellationButFinishesInTheGrace_FailsSayingByHowMuchItMissed()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Run(async _ =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2300), _clock, CancellationToken.None);
            return 0;
        }));

        Assert.Contains("missed its 2 s deadline by 300 ms", error.Message, StringComparison.Ordinal);
        Assert.Contains("without observing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteWithinAsync_OperationIgnoresTheCancellationPastTheGrace_FailsAsLeaked()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Run(async _ =>
        {
            await Task.Delay(TimeSpan.FromMinutes(1), _clock, CancellationToken.None);
            return 0;
        }));

        Assert.Contains("missed its 2 s deadline and leaked", error.Message, StringComparison.Ordinal);
        Assert.Contains("still running 1 s later", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteWithinAsync_RealClockAndAQuickOperation_Passes()
    {
        await Deadline.CompleteWithinAsync(TimeSpan.FromSeconds(10), ct => Task.Delay(1, ct), cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task CompleteWithinAsync_InvalidOptions_ReportsEveryProblem()
    {
        var options = new DeadlineOptions { Grace = TimeSpan.FromSeconds(-1), OperationName = "" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Deadline.CompleteWithinAsync(TwoSeconds, _ => Task.CompletedTask, options, TestContext.Current.CancellationToken));

        Assert.Contains("Grace", error.Message, StringComparison.Ordinal);
        Assert.Contains("OperationName", error.Message, StringComparison.Ordinal);
    }

    private Task<T> Run<T>(Func<CancellationToken, Task<T>> operation) =>
        _clock.AutoAdvanceUntilAsync(Deadline.CompleteWithinAsync(TwoSeconds, operation, new DeadlineOptions { TimeProvider = _clock }, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
}
