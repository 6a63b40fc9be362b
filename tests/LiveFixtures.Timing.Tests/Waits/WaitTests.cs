using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class WaitTests
{
    private readonly VirtualTimeProvider _clock = new();


    private WaitOptions Options => new() { TimeProvider = _clock };

    private TimeSpan Elapsed => _clock.GetUtcNow() - _clock.Start;

    [Fact]
    public async Task EventuallyAsync_ConditionHoldsAfterThreeSeconds_CompletesWithinOneMaxDelayOfIt()
    {
        var readyAt = _clock.Start + TimeSpan.FromSeconds(3);

        await Drive(Wait.EventuallyAsync(() => _clock.GetUtcNow() >= readyAt, Options, TestContext.Current.CancellationToken));

        Assert.InRange(Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.1));
    }

    [Fact]
    public async Task EventuallyAsync_ConditionNeverHolds_FailsAfterTheTimeoutShowingTheLatestObservations()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.EventuallyAsync(
            () => false, new WaitOptions { TimeProvider = _clock, Description = "the queue to drain" }, TestContext.Current.CancellationToken)));

        Assert.StartsWith("Waited 10 s for the queue to drain, but it did not hold in", error.Message, StringComparison.Ordinal);
        Assert.Contains("Last 5 observations (of", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"\+9\.955 s +false", error.Message);
        Assert.EndsWith("raise WaitOptions.Timeout if it legitimately needs longer.", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(10), Elapsed);
    }

    [Fact]
    public async Task EventuallyAsync_AssertionFailsUntilItPasses_FailureShowsTheAssertionMessages()
    {
        var count = 0;

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.EventuallyAsync(
            () => Assert.Equal(3, ++count > 2 ? 2 : count),
            new WaitOptions { TimeProvider = _clock, Timeout = TimeSpan.FromSeconds(1) },
            TestContext.Current.CancellationToken)));

        Assert.Contains("EqualException: Assert.Equal() Failure: Values differ Expected: 3 Actual: 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventuallyAsync_AsyncAssertionPassesOnTheThirdProbe_Completes()
    {
        var probes = 0;

        await Drive(Wait.EventuallyAsync(
            async ct =>
            {
                await Task.Yield();
                Assert.True(++probes >= 3);
            },
            Options,
            TestContext.Current.CancellationToken));

        Assert.Equal(3, probes);
    }

    [Fact]
    public async Task EventuallyAsync_ValueProbe_ReturnsTheFirstValueThatSatisfiesThePredicate()
    {
        var reads = 0;

        var value = await Drive(Wait.EventuallyAsync(ct => Task.FromResult(++reads * 10), v => v >= 30, Options, TestContext.Current.CancellationToken));

        Assert.Equal(30, value);
    }

    [Fact]
    public async Task EventuallyAsync_ProbeThrowsStopWaiting_FailsAtOnceWithTheReason()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.EventuallyAsync(
            () => throw new StopWaitingException("the order was rejected"), Options, TestContext.Current.CancellationToken)));

        Assert.StartsWith("Stopped waiting for the condition after 0 ms: the probe gave up because the order was rejected.", error.Message, StringComparison.Ordinal);
        Assert.IsType<StopWaitingException>(error.InnerException);
        Assert.Equal(TimeSpan.Zero, Elapsed);
    }

    [Fact]
    public async Task EventuallyAsync_DefaultBackoff_ProbesAtDoublingIntervalsCappedAt100Milliseconds()
    {
        var probedAt = new List<double>();

        await Drive(Wait.EventuallyAsync(
            () =>
            {
                probedAt.Add(Elapsed.TotalMilliseconds);
                return probedAt.Count == 8;
            },
            Options,
            TestContext.Current.CancellationToken));

        Assert.Equal([0, 5, 15, 35, 75, 155, 255, 355], probedAt);
    }

    [Fact]
    public async Task EventuallyAsync_ProbeHangsIgnoringItsToken_TheTimeoutStillEndsTheWait()
    {
        var hang = new TaskCompletionSource<bool>();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.EventuallyAsync(
            _ => hang.Task, new WaitOptions { TimeProvider = _clock, Timeout = TimeSpan.FromSeconds(2) }, TestContext.Current.CancellationToken)));

        Assert.Contains("did not hold in 0 probe(s)", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), Elapsed);
    }

    [Fact]
    public async Task ConsistentlyAsync_ConditionKeepsHolding_PassesAfterTheWindow()
    {
        await Drive(Wait.ConsistentlyAsync(() => true, TimeSpan.FromSeconds(2), Options, TestContext.Current.CancellationToken));

        Assert.Equal(TimeSpan.FromSeconds(2), Elapsed);
    }

    [Fact]
    public async Task ConsistentlyAsync_ConditionBreaks_FailsAtOnceWithTheBreakingObservation()
    {
        var breaksAt = _clock.Start + TimeSpan.FromSeconds(1);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.ConsistentlyAsync(
            () => Assert.True(_clock.GetUtcNow() < breaksAt, "the connection dropped"),
            TimeSpan.FromSeconds(30),
            new WaitOptions { TimeProvider = _clock, Description = "the connection" },
            TestContext.Current.CancellationToken)));

        // On a virtual clock the probes are at most a hundredth of the window apart (300 ms here), not 100 ms.
        Assert.StartsWith("The connection stopped holding 1.215 s into the 30 s window in which it had to hold: TrueException: the connection dropped", error.Message, StringComparison.Ordinal);
        Assert.True(Elapsed < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task EventuallyAsync_InvalidOptions_ReportsEveryProblemAtOnce()
    {
        var options = new WaitOptions { Timeout = TimeSpan.Zero, MaxDelay = TimeSpan.FromTicks(1), Description = "" };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Wait.EventuallyAsync(() => true, options, TestContext.Current.CancellationToken));

        Assert.Contains("Timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxDelay", error.Message, StringComparison.Ordinal);
        Assert.Contains("Description", error.Message, StringComparison.Ordinal);
    }

    private Task Drive(Task wait) => _clock.AutoAdvanceUntilAsync(wait, TestContext.Current.CancellationToken);

    private Task<T> Drive<T>(Task<T> wait) => _clock.AutoAdvanceUntilAsync(wait, TestContext.Current.CancellationToken);
}
