using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class VirtualTimeProviderTests
{
    [Fact]
    public void Change_DisposedTimer_ReturnsFalse()
    {
        var clock = new VirtualTimeProvider();
        var timer = clock.CreateTimer(_ => { }, null, OneSecond, Timeout.InfiniteTimeSpan);

        timer.Dispose();

        Assert.False(timer.Change(OneSecond, Timeout.InfiniteTimeSpan));
        Assert.Empty(clock.GetPendingTimers());
    }

    [Fact]
    public void CreateTimer_NegativeDueTime_Throws()
    {
        var clock = new VirtualTimeProvider();

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(-2), Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void GetTimestamp_AfterAdvance_ElapsedTimeMatchesVirtualTime()
    {
        var clock = new VirtualTimeProvider();
        var start = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), clock.GetElapsedTime(start));
        Assert.Equal(TimeSpan.TicksPerSecond, clock.TimestampFrequency);
    }

    [Fact]
    public void SetLocalTimeZone_GetLocalNow_UsesTheZone()
    {
        var clock = new VirtualTimeProvider(new DateTimeOffset(2024, 1, 1, 12, 0, 0, TimeSpan.Zero));
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test+02", TimeSpan.FromHours(2), "Test+02", "Test+02");

        Assert.Equal(TimeZoneInfo.Utc, clock.LocalTimeZone);
        clock.SetLocalTimeZone(zone);

        Assert.Equal(zone, clock.LocalTimeZone);
        Assert.Equal(14, clock.GetLocalNow().Hour);
        Assert.Equal(TimeSpan.FromHours(2), clock.GetLocalNow().Offset);
    }

    [Fact]
    public void GetPendingTimers_SeveralTimers_ListsThemInFiringOrderWithPeriods()
    {
        var clock = new VirtualTimeProvider();
        using var periodic = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(2), OneSecond);
        using var oneShot = clock.CreateTimer(_ => { }, null, OneSecond, Timeout.InfiniteTimeSpan);
        using var disarmed = clock.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        var pending = clock.GetPendingTimers();

        Assert.Equal(2, pending.Count);
        Assert.Equal((clock.Start + OneSecond, (TimeSpan?)null), (pending[0].DueTime, pending[0].Period));
        Assert.Equal((clock.Start + TimeSpan.FromSeconds(2), (TimeSpan?)OneSecond), (pending[1].DueTime, pending[1].Period));
    }
}
