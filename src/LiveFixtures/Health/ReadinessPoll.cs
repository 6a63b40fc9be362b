namespace LiveFixtures.Health;

/// <summary>
/// The pauses between readiness attempts of a polled probe: from the first delay, each pause is half as long again as
/// the one before, up to the maximum. With the defaults (1 ms up to 10 ms) an app that starts listening is seen about
/// 5 ms later on average, and an app that takes a minute to start costs about 100 cheap attempts a second.
/// </summary>
internal sealed class ReadinessPoll(TimeSpan first, TimeSpan max)
{
    /// <summary>The default first pause.</summary>
    public static readonly TimeSpan DefaultFirst = TimeSpan.FromMilliseconds(1);

    /// <summary>The default longest pause.</summary>
    public static readonly TimeSpan DefaultMax = TimeSpan.FromMilliseconds(10);

    private TimeSpan _next = first;

    /// <summary>Returns the next pause and lengthens the one after it.</summary>
    public TimeSpan Next()
    {
        var pause = _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, Math.Max(pause.Ticks + 1, (long)(pause.Ticks * 1.5))));
        return pause;
    }
}
