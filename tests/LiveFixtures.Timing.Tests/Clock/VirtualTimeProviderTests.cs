using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class VirtualTimeProviderTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);


    [Fact]
    public void GetUtcNow_TimerIsOverdue_DoesNotFireIt()
    {
        var clock = new VirtualTimeProvider();
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        _ = clock.GetUtcNow();
        _ = clock.GetTimestamp();
        _ = clock.GetLocalNow();
        _ = clock.GetElapsedTime(0);

        Assert.Equal(0, fired);
        Assert.Single(clock.GetPendingTimers());
    }

    [Fact]
    public void Advance_TimersDueOutOfOrder_FiresThemInDueOrderAtTheirDueTimes()
    {
        var clock = new VirtualTimeProvider();
        var log = new List<string>();
        using var late = clock.CreateTimer(_ => log.Add($"late@{clock.GetUtcNow() - clock.Start}"), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => log.Add($"early@{clock.GetUtcNow() - clock.Start}"), null, OneSecond, Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["early@00:00:01", "late@00:00:03"], log);
        Assert.Equal(clock.Start + TimeSpan.FromSeconds(5), clock.GetUtcNow());
    }

    [Fact]
    public void Advance_TimersDueAtTheSameInstant_FiresThemInCreationOrder()
    {
        var clock = new VirtualTimeProvider();
        var log = new List<int>();
        using var first = clock.CreateTimer(_ => log.Add(1), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => log.Add(2), null, OneSecond, Timeout.InfiniteTimeSpan);
        second.Change(TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal([1, 2], log);
    }

    [Fact]
    public void Advance_PeriodicTimerSeveralPeriodsBehind_FiresOncePerPeriod()
    {
        var clock = new VirtualTimeProvider();
        var firedAt = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow() - clock.Start), null, OneSecond, OneSecond);

        clock.Advance(TimeSpan.FromSeconds(3.5));

        Assert.Equal([OneSecond, 2 * OneSecond, 3 * OneSecond], firedAt);
        Assert.Equal(clock.Start + TimeSpan.FromSeconds(4), Assert.Single(clock.GetPendingTimers()).DueTime);
    }

    [Fact]
    public void Advance_CallbackThrows_LaterTimersStillFireAndTheExceptionSurfaces()
    {
        var clock = new VirtualTimeProvider();
        var laterFired = false;
        using var throwing = clock.CreateTimer(_ => throw new InvalidOperationException("boom"), null, OneSecond, Timeout.InfiniteTimeSpan);
        using var later = clock.CreateTimer(_ => laterFired = true, null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        var error = Assert.Throws<AggregateException>(() => clock.Advance(TimeSpan.FromSeconds(3)));

        Assert.IsType<InvalidOperationException>(Assert.Single(error.InnerExceptions));
        Assert.True(laterFired);
        Assert.Equal(clock.Start + TimeSpan.FromSeconds(3), clock.GetUtcNow());
        clock.Advance(OneSecond);
    }

    [Fact]
    public void Advance_ZeroDelta_FiresTimersDueNow()
    {
        var clock = new VirtualTimeProvider();
        var fired = false;
        using var timer = clock.CreateTimer(_ => fired = true, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.Zero);

        Assert.True(fired);
    }

    [Fact]
    public void AdvanceTo_InThePast_Throws()
    {
        var clock = new VirtualTimeProvider();
        clock.Advance(OneSecond);

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.AdvanceTo(clock.Start));
    }

    [Fact]
    public void Advance_FromInsideACallback_ThrowsAndIsReported()
    {
        var clock = new VirtualTimeProvider();
        using var timer = clock.CreateTimer(_ => clock.Advance(OneSecond), null, OneSecond, Timeout.InfiniteTimeSpan);

        var error = Assert.Throws<AggregateException>(() => clock.Advance(OneSecond));

        Assert.IsType<InvalidOperationException>(Assert.Single(error.InnerExceptions));
    }

    [Fact]
    public void Advance_TimerRearmsItselfAtTheSameInstantForever_FailsWithAClearMessage()
    {
        var clock = new VirtualTimeProvider { MaxSteps = 100 };
        ITimer? timer = null;
        timer = clock.CreateTimer(_ => timer!.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan), null, OneSecond, Timeout.InfiniteTimeSpan);

        var error = Assert.Throws<TimingAssertionException>(() => clock.Advance(OneSecond));

        Assert.Contains("without time moving on", error.Message, StringComparison.Ordinal);
        timer.Dispose();
    }

    [Fact]
    public async Task Callback_CreatedInsideAnAsyncLocalScope_RunsInTheCreatorsExecutionContext()
    {
        var clock = new VirtualTimeProvider();
        var local = new AsyncLocal<string>();
        string? seen = null;
        await Task.Run(() =>
        {
            local.Value = "creator";
            clock.CreateTimer(_ => seen = local.Value, null, OneSecond, Timeout.InfiniteTimeSpan);
        }, TestContext.Current.CancellationToken);

        clock.Advance(OneSecond);

        Assert.Equal("creator", seen);
    }
}
