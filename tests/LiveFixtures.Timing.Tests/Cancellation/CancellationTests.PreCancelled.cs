using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class CancellationTests
{
    [Fact]
    public async Task HonoursPreCancelledTokenAsync_OperationChecksItsTokenFirst_Passes()
    {
        var writes = 0;

        await Cancellation.HonoursPreCancelledTokenAsync(
            async ct =>
            {
                ct.ThrowIfCancellationRequested();
                writes++;
                await Task.Delay(Long, _clock, ct);
            },
            () => writes,
            new CancellationOptions { TimeProvider = _clock },
            TestContext.Current.CancellationToken);

        Assert.Equal(0, writes);
    }

    [Fact]
    public async Task HonoursPreCancelledTokenAsync_SynchronousThrowFromANonAsyncMethod_Passes()
    {
        await Cancellation.HonoursPreCancelledTokenAsync(
            ct =>
            {
                ct.ThrowIfCancellationRequested();
                return Task.CompletedTask;
            },
            cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task HonoursPreCancelledTokenAsync_OperationWritesBeforeItChecks_FailsNamingTheSideEffect()
    {
        var writes = 0;

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Cancellation.HonoursPreCancelledTokenAsync(
            async ct =>
            {
                writes++;
                await Task.Delay(Long, _clock, ct);
            },
            () => writes,
            new CancellationOptions { TimeProvider = _clock },
            TestContext.Current.CancellationToken));

        Assert.Contains("had side effects", error.Message, StringComparison.Ordinal);
        Assert.Contains("read 0 before and 1 after", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HonoursPreCancelledTokenAsync_OperationWorksBeforeItLooksAtItsToken_FailsAsNotAtOnce()
    {
        var run = Cancellation.HonoursPreCancelledTokenAsync(
            async ct =>
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _clock, CancellationToken.None);
                ct.ThrowIfCancellationRequested();
            },
            new CancellationOptions { TimeProvider = _clock },
            TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => _clock.AutoAdvanceUntilAsync(run, TestContext.Current.CancellationToken));

        Assert.Contains("was still running 50 ms after it was called with an already-cancelled token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HonoursPreCancelledTokenAsync_OperationReturnsNormally_Fails()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() =>
            Cancellation.HonoursPreCancelledTokenAsync(_ => Task.CompletedTask, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("completed normally although its token was cancelled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_InvalidOptions_ReportsEveryProblemAtOnce()
    {
        var options = new CancellationOptions { Budget = TimeSpan.FromSeconds(-1), OperationName = " " };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Cancellation.ObserveAsync(_ => Task.CompletedTask, options: options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("Budget", error.Message, StringComparison.Ordinal);
        Assert.Contains("OperationName", error.Message, StringComparison.Ordinal);
    }
}
