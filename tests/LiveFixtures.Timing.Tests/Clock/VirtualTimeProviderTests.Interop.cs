using LiveFixtures.Timing;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class VirtualTimeProviderTests
{
    [Fact]
    public void TaskDelay_WithTheClock_CompletesOnlyWhenTimeReachesTheDelay()
    {
        var clock = new VirtualTimeProvider();
        var delay = Task.Delay(OneSecond, clock, TestContext.Current.CancellationToken);

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void TaskDelay_CancelledBeforeItIsDue_RemovesItsTimer()
    {
        var clock = new VirtualTimeProvider();
        using var cts = new CancellationTokenSource();
        var delay = Task.Delay(OneSecond, clock, cts.Token);

        cts.Cancel();

        Assert.True(delay.IsCanceled);
        Assert.Empty(clock.GetPendingTimers());
    }

    [Fact]
    public async Task WaitAsync_WithTheClock_TimesOutInVirtualTime()
    {
        var clock = new VirtualTimeProvider();
        var never = new TaskCompletionSource();
        var waiting = never.Task.WaitAsync(TimeSpan.FromSeconds(30), clock, TestContext.Current.CancellationToken);

        clock.Advance(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<TimeoutException>(() => waiting);
    }

    [Fact]
    public void CancellationTokenSource_WithTheClock_CancelsInVirtualTime()
    {
        var clock = new VirtualTimeProvider();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10), clock);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(cts.IsCancellationRequested);
        clock.Advance(OneSecond);

        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task PeriodicTimer_WithTheClock_TicksOncePerPeriod()
    {
        var clock = new VirtualTimeProvider();
        using var periodic = new PeriodicTimer(OneSecond, clock);
        var ticks = 0;
        var loop = Task.Run(async () =>
        {
            while (await periodic.WaitForNextTickAsync(CancellationToken.None))
            {
                Interlocked.Increment(ref ticks);
            }
        }, TestContext.Current.CancellationToken);
        await clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);

        await clock.AdvanceAsync(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage($"ticks right after advance: {Volatile.Read(ref ticks)}");
        await Wait.EventuallyAsync(() => Volatile.Read(ref ticks) == 3, new WaitOptions { Timeout = TimeSpan.FromSeconds(1) }, TestContext.Current.CancellationToken);

        periodic.Dispose();
        await loop;
        Assert.Equal(3, ticks);
    }

    [Fact]
    public async Task PollyRetry_WithTheClock_WaitsItsBackoffInVirtualTime()
    {
        var clock = new VirtualTimeProvider();
        var attempts = new List<TimeSpan>();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromSeconds(10),
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
            })
            .Build();

        var run = pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(clock.GetUtcNow() - clock.Start);
            return attempts.Count < 4 ? throw new InvalidOperationException("transient") : ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken).AsTask();
        await clock.AutoAdvanceUntilAsync(run, TestContext.Current.CancellationToken);

        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(70)], attempts);
    }

    [Fact]
    public async Task PollyTimeout_WithTheClock_TimesOutInVirtualTime()
    {
        var clock = new VirtualTimeProvider();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }.AddTimeout(TimeSpan.FromSeconds(5)).Build();

        var run = pipeline.ExecuteAsync(async ct => await Task.Delay(TimeSpan.FromMinutes(1), clock, ct), TestContext.Current.CancellationToken).AsTask();
        await clock.WaitForTimersAsync(2, TestContext.Current.CancellationToken);
        await clock.AdvanceAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => run);
        Assert.Equal(clock.Start + TimeSpan.FromSeconds(5), clock.GetUtcNow());
    }
}
