using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class VirtualTimeProviderTests
{
    [Fact]
    public async Task AdvanceAsync_ContinuationOfATickArmsTheNextTimerAsynchronously_NoTickIsLost()
    {
        var clock = new VirtualTimeProvider();
        var ticks = 0;
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(OneSecond, clock, CancellationToken.None);
                Interlocked.Increment(ref ticks);
                await Task.Yield();
            }
        }, TestContext.Current.CancellationToken);
        await clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);

        await clock.AdvanceAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(5, Volatile.Read(ref ticks));
        stop.Cancel();
        await clock.AutoAdvanceUntilAsync(loop, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Advance_ContinuationArmsTheNextTimerAsynchronously_SynchronousAdvanceLosesTheTick()
    {
        // Documents why AdvanceAsync exists: the synchronous advance cannot wait for continuations.
        var clock = new VirtualTimeProvider();
        var ticks = 0;
        var loop = Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await Task.Delay(OneSecond, clock, CancellationToken.None);
                Interlocked.Increment(ref ticks);
                await Task.Yield();
            }
        }, TestContext.Current.CancellationToken);
        await clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(Volatile.Read(ref ticks) < 5);
        await clock.AutoAdvanceUntilAsync(loop, TestContext.Current.CancellationToken);
        Assert.Equal(5, ticks);
    }

    [Fact]
    public async Task AdvanceAsync_CallbackThrows_LaterTimersStillFireAndTheExceptionSurfaces()
    {
        var clock = new VirtualTimeProvider();
        var later = Task.Delay(TimeSpan.FromSeconds(2), clock, TestContext.Current.CancellationToken);
        using var throwing = clock.CreateTimer(_ => throw new InvalidOperationException("boom"), null, OneSecond, Timeout.InfiniteTimeSpan);

        var error = await Assert.ThrowsAsync<AggregateException>(() => clock.AdvanceAsync(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken));

        Assert.Equal("boom", Assert.Single(error.InnerExceptions).Message);
        Assert.True(later.IsCompletedSuccessfully);
        await clock.AdvanceAsync(OneSecond, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task WaitForTimersAsync_CodeArmsTimersOnAnotherThread_CompletesOnceTheyAreArmed()
    {
        var clock = new VirtualTimeProvider();
        var release = new TaskCompletionSource();
        var work = Task.Run(async () =>
        {
            await release.Task;
            await Task.WhenAll(Task.Delay(OneSecond, clock, CancellationToken.None), Task.Delay(2 * OneSecond, clock, CancellationToken.None));
        }, TestContext.Current.CancellationToken);

        var waiting = clock.WaitForTimersAsync(2, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);
        release.SetResult();
        await waiting;

        Assert.Equal(2, clock.GetPendingTimers().Count);
        Assert.All(clock.GetPendingTimers(), t => Assert.Equal("Task.Delay", t.Owner));
        await clock.AdvanceAsync(2 * OneSecond, TestContext.Current.CancellationToken);
        await work;
    }

    [Fact]
    public async Task WaitForTimersAsync_NothingIsArmed_FailsAfterTheArmTimeoutListingWhatIsArmed()
    {
        var clock = new VirtualTimeProvider { ArmTimeout = TimeSpan.FromMilliseconds(50) };
        using var one = clock.CreateTimer(_ => { }, null, OneSecond, Timeout.InfiniteTimeSpan);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => clock.WaitForTimersAsync(2, TestContext.Current.CancellationToken));

        Assert.Contains("for 2 timer(s) to be armed", error.Message, StringComparison.Ordinal);
        Assert.Contains("#1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoAdvanceUntilAsync_OperationWaitsAnHour_CompletesWithVirtualTimeMovedAnHour()
    {
        var clock = new VirtualTimeProvider();

        var result = await clock.AutoAdvanceUntilAsync(Slow(clock), TestContext.Current.CancellationToken);

        Assert.Equal(42, result);
        Assert.Equal(clock.Start + TimeSpan.FromHours(1), clock.GetUtcNow());

        static async Task<int> Slow(TimeProvider clock)
        {
            await Task.Delay(TimeSpan.FromMinutes(59), clock, CancellationToken.None);
            await Task.Yield();
            await Task.Delay(TimeSpan.FromMinutes(1), clock, CancellationToken.None);
            return 42;
        }
    }

    [Fact]
    public async Task AutoAdvanceUntilAsync_LoopRearmsForever_FailsAfterMaxStepsNamingTheTimer()
    {
        var clock = new VirtualTimeProvider { MaxSteps = 50 };
        using var stop = new CancellationTokenSource();
        var forever = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(OneSecond, clock, CancellationToken.None);
            }
        }, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => clock.AutoAdvanceUntilAsync(forever, TestContext.Current.CancellationToken));

        Assert.Contains("after 50 timer firings", error.Message, StringComparison.Ordinal);
        Assert.Contains("Task.Delay", error.Message, StringComparison.Ordinal);
        stop.Cancel();
        clock.MaxSteps = 10;
        await clock.AutoAdvanceUntilAsync(forever, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AutoAdvanceUntilAsync_TaskWaitsForSomethingElse_FailsAfterTheArmTimeout()
    {
        var clock = new VirtualTimeProvider { ArmTimeout = TimeSpan.FromMilliseconds(50) };
        var never = new TaskCompletionSource();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => clock.AutoAdvanceUntilAsync(never.Task, TestContext.Current.CancellationToken));

        Assert.Contains("neither completed nor armed a timer", error.Message, StringComparison.Ordinal);
    }
}
