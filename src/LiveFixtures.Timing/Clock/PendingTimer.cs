namespace LiveFixtures.Timing;

/// <summary>Describes a timer that is armed on a <see cref="VirtualTimeProvider"/> and has not fired yet.</summary>
/// <param name="Id">The creation sequence number of the timer; timers due at the same instant fire in this order.</param>
/// <param name="DueTime">The virtual instant at which the timer fires next.</param>
/// <param name="Period">The period of a periodic timer, or <see langword="null"/> for a one-shot timer.</param>
/// <param name="Owner">A short name of what created the timer, such as "Task.Delay" or "PeriodicTimer".</param>
public readonly record struct PendingTimer(long Id, DateTimeOffset DueTime, TimeSpan? Period, string Owner)
{
    /// <summary>Returns a one-line description such as "#3 Task.Delay due 2000-01-01 00:00:05.000Z".</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        Period is { } period
            ? $"#{Id} {Owner} due {Durations.Format(DueTime)}, every {Durations.Format(period)}"
            : $"#{Id} {Owner} due {Durations.Format(DueTime)}";
}
