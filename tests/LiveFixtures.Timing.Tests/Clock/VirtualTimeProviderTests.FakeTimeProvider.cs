using LiveFixtures.Tests.Timing.Services;
using LiveFixtures.Timing;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

/// <summary>The same cases on VirtualTimeProvider and on Microsoft's FakeTimeProvider (10.11), side by side: where they differ.</summary>
public sealed partial class VirtualTimeProviderTests
{
    private static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SideBySide_CallbackReadsTheTime_VirtualSeesItsDueTimeFakeSeesTheTarget()
    {
        var virtualClock = new VirtualTimeProvider(Epoch);
        var fake = new FakeTimeProvider(Epoch);

        var onVirtual = TimeSeenByCallback(virtualClock, () => virtualClock.Advance(TimeSpan.FromSeconds(5)));
        var onFake = TimeSeenByCallback(fake, () => fake.Advance(TimeSpan.FromSeconds(5)));

        Assert.Equal(TimeSpan.FromSeconds(1), onVirtual);
        Assert.Equal(TimeSpan.FromSeconds(5), onFake);

        static TimeSpan TimeSeenByCallback(TimeProvider clock, Action advance)
        {
            var seen = TimeSpan.Zero;
            using var timer = clock.CreateTimer(_ => seen = clock.GetUtcNow() - Epoch, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            advance();
            return seen;
        }
    }

    [Fact]
    public void SideBySide_CallbackThrows_VirtualStillFiresLaterTimersFakeStopsAtTheThrow()
    {
        var virtualClock = new VirtualTimeProvider(Epoch);
        var fake = new FakeTimeProvider(Epoch);

        var (virtualError, virtualLaterFired) = AdvancePastAThrowingCallback(virtualClock, () => virtualClock.Advance(TimeSpan.FromSeconds(3)));
        var (fakeError, fakeLaterFired) = AdvancePastAThrowingCallback(fake, () => fake.Advance(TimeSpan.FromSeconds(3)));

        Assert.IsType<AggregateException>(virtualError);
        Assert.True(virtualLaterFired);
        Assert.IsType<InvalidOperationException>(fakeError);
        Assert.False(fakeLaterFired);

        static (Exception? Error, bool LaterFired) AdvancePastAThrowingCallback(TimeProvider clock, Action advance)
        {
            var later = false;
            using var throwing = clock.CreateTimer(_ => throw new InvalidOperationException("boom"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            using var after = clock.CreateTimer(_ => later = true, null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
            var error = Record.Exception(advance);
            return (error, later);
        }
    }

    [Fact]
    public void SideBySide_CallbackAdvancesTheClock_VirtualRefusesFakeAllows()
    {
        var virtualClock = new VirtualTimeProvider(Epoch);
        var fake = new FakeTimeProvider(Epoch);

        var onVirtual = ReentrantAdvance(virtualClock, () => virtualClock.Advance(TimeSpan.FromSeconds(1)));
        var onFake = ReentrantAdvance(fake, () => fake.Advance(TimeSpan.FromSeconds(1)));

        Assert.IsType<InvalidOperationException>(onVirtual);
        Assert.Null(onFake);
        Assert.Equal(Epoch + TimeSpan.FromSeconds(1), virtualClock.GetUtcNow());
        Assert.Equal(Epoch + TimeSpan.FromSeconds(2), fake.GetUtcNow());

        static Exception? ReentrantAdvance(TimeProvider clock, Action advance)
        {
            Exception? inner = null;
            using var timer = clock.CreateTimer(_ => inner = Record.Exception(advance), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            advance();
            return inner;
        }
    }

    [Fact]
    public void SideBySide_PeriodicTimerFivePeriodsBehind_BothFireOncePerPeriod()
    {
        var virtualClock = new VirtualTimeProvider(Epoch);
        var fake = new FakeTimeProvider(Epoch);

        Assert.Equal(5, Firings(virtualClock, () => virtualClock.Advance(TimeSpan.FromSeconds(5))));
        Assert.Equal(5, Firings(fake, () => fake.Advance(TimeSpan.FromSeconds(5))));

        static int Firings(TimeProvider clock, Action advance)
        {
            var count = 0;
            using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            advance();
            return count;
        }
    }

    [Fact]
    public async Task SideBySide_SnapshotLoopWithBlockingWork_VirtualAdvanceKeepsEveryTickFakeAdvanceLosesThem()
    {
        var virtualClock = new VirtualTimeProvider(Epoch);
        var fake = new FakeTimeProvider(Epoch);
        var onVirtual = new HealthSnapshotLoop(virtualClock, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(30));
        var onFake = new HealthSnapshotLoop(fake, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(30));
        using var stop = new CancellationTokenSource();
        var runningOnVirtual = onVirtual.RunAsync(stop.Token);
        var runningOnFake = onFake.RunAsync(stop.Token);
        await virtualClock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);

        await virtualClock.AdvanceAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
        fake.Advance(TimeSpan.FromMinutes(5)); // FakeTimeProvider has only a synchronous advance: it cannot wait for the loop.

        Assert.Equal(30, onVirtual.Snapshots.Count);
        await stop.CancelAsync();
        await Task.WhenAll(runningOnVirtual, runningOnFake);
        Assert.True(onFake.Snapshots.Count < 30, $"FakeTimeProvider kept {onFake.Snapshots.Count} of 30 snapshots.");
    }

    [Fact]
    public async Task Helpers_WithAFakeTimeProviderTheTestAdvances_Work()
    {
        var fake = new FakeTimeProvider(Epoch);
        var runner = new JobRunner(fake);

        var deadline = Deadline.CompleteWithinAsync(TimeSpan.FromSeconds(10), runner.ReportJobAsync, new DeadlineOptions { TimeProvider = fake }, TestContext.Current.CancellationToken);
        var observed = Cancellation.ObserveAsync(runner.ReportJobAsync, CancelTrigger.After(TimeSpan.FromSeconds(2)), new CancellationOptions { TimeProvider = fake }, TestContext.Current.CancellationToken);
        while (!deadline.IsCompleted || !observed.IsCompleted)
        {
            fake.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, TestContext.Current.CancellationToken); // FakeTimeProvider cannot tell when the code has reacted: the test has to give it real time.
        }

        await deadline;
        Assert.Equal(TimeSpan.Zero, await observed);
    }
}
