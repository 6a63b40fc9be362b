using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class CancellationTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    private readonly VirtualTimeProvider _clock = new();


    [Fact]
    public async Task ObserveAsync_TaskCanceledExceptionWithTheGivenToken_Passes()
    {
        var took = await Observe(ct => Task.Delay(Long, _clock, ct));

        Assert.Equal(TimeSpan.Zero, took);
    }

    [Fact]
    public async Task ObserveAsync_OperationCanceledExceptionWithALinkedToken_Passes()
    {
        await Observe(async ct =>
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await Task.Delay(Long, _clock, linked.Token);
        });
    }

    [Fact]
    public async Task ObserveAsync_LinkedTokenWhenLinkedTokensAreNotAccepted_Fails()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(
            async ct =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await Task.Delay(Long, _clock, linked.Token);
            },
            options: new CancellationOptions { TimeProvider = _clock, AcceptLinkedTokens = false }));

        Assert.Contains("AcceptLinkedTokens is false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_ExceptionCarriesATokenThatWasNeverCancelled_Fails()
    {
        using var other = new CancellationTokenSource();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(async ct =>
        {
            try
            {
                await Task.Delay(Long, _clock, ct);
            }
            catch (OperationCanceledException)
            {
                throw new OperationCanceledException("stopped", other.Token);
            }
        }));

        Assert.Contains("carries a token that was never cancelled", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("pass the token to the await that stops.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_ExceptionCarriesNoToken_Fails()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(async ct =>
        {
            await Task.Delay(Long, _clock, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            throw new OperationCanceledException();
        }));

        Assert.Contains("carries no token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_CancellationWrappedInAnotherException_FailsAsFaultedWrapper()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(async ct =>
        {
            try
            {
                await Task.Delay(Long, _clock, ct);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException("sync failed", e);
            }
        }));

        Assert.Contains("ended Faulted with InvalidOperationException: sync failed, which wraps an TaskCanceledException", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public async Task ObserveAsync_TaskFaultedWithOperationCanceledException_Fails()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(ct =>
        {
            var source = new TaskCompletionSource();
            ct.Register(() => source.SetException(new OperationCanceledException(ct)));
            return source.Task;
        }));

        Assert.Contains("ended Faulted with an OperationCanceledException", error.Message, StringComparison.Ordinal);
        Assert.Contains("TrySetCanceled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_OperationIgnoresItsToken_FailsAsTooLate()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(_ => Task.Delay(Long, _clock, CancellationToken.None)));

        Assert.Contains("was still running 1 s after its token was cancelled", error.Message, StringComparison.Ordinal);
        Assert.Equal(_clock.Start + TimeSpan.FromSeconds(1), _clock.GetUtcNow());
    }

    [Fact]
    public async Task ObserveAsync_CleanUpTakesPartOfTheBudget_ReturnsHowLongItTook()
    {
        var took = await Observe(async ct =>
        {
            try
            {
                await Task.Delay(Long, _clock, ct);
            }
            catch (OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), _clock, CancellationToken.None);
                throw;
            }
        });

        Assert.Equal(TimeSpan.FromMilliseconds(300), took);
    }

    [Fact]
    public async Task ObserveAsync_OperationSwallowsTheCancellation_Fails()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(async ct =>
        {
            await Task.Delay(Long, _clock, ct).ContinueWith(_ => { }, TaskScheduler.Default);
        }));

        Assert.Contains("completed normally although its token was cancelled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_OperationEndsBeforeTheCancellation_FailsSayingItShowsNothing()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Observe(_ => Task.CompletedTask));

        Assert.Contains("before its token was cancelled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_TriggerAfterADelay_CancelsAtThatVirtualTime()
    {
        DateTimeOffset? cancelledAt = null;

        await Observe(
            ct =>
            {
                ct.Register(() => cancelledAt = _clock.GetUtcNow());
                return Task.Delay(Long, _clock, ct);
            },
            CancelTrigger.After(TimeSpan.FromSeconds(2)));

        Assert.Equal(_clock.Start + TimeSpan.FromSeconds(2), cancelledAt);
    }

    [Fact]
    public async Task ObserveAsync_TriggerWhenTimersArmed_CancelsOnceTheOperationIsParkedOnThem()
    {
        var reachedSecondWait = false;

        await Observe(
            async ct =>
            {
                await Task.Yield();
                var first = Task.Delay(Long, _clock, ct);
                reachedSecondWait = true;
                await Task.WhenAll(first, Task.Delay(Long, _clock, ct));
            },
            CancelTrigger.WhenTimersArmed(_clock, 2));

        Assert.True(reachedSecondWait);
    }

    [Fact]
    public async Task ObserveAsync_TriggerWhenASignalCompletes_CancelsAtThatMoment()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stepsBeforeCancel = 0;

        await Observe(
            async ct =>
            {
                stepsBeforeCancel++;
                started.SetResult();
                await Task.Delay(Long, _clock, ct);
                stepsBeforeCancel++;
            },
            CancelTrigger.When(_ => started.Task, "once it reported that it started"));

        Assert.Equal(1, stepsBeforeCancel);
    }

    [Fact]
    public void TimingAssertionException_IsReportedByXunitAsAnAssertionFailure()
    {
        // xUnit looks for an interface of this name among all those the exception implements (public or not).
        Assert.Contains("IAssertionException", typeof(TimingAssertionException).GetInterfaces().Select(i => i.Name));
    }

    private Task<TimeSpan> Observe(Func<CancellationToken, Task> operation, CancelTrigger? trigger = null, CancellationOptions? options = null) =>
        _clock.AutoAdvanceUntilAsync(
            Cancellation.ObserveAsync(operation, trigger, options ?? new CancellationOptions { TimeProvider = _clock }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
}
