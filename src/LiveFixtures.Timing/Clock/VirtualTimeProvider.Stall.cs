namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    /// <summary>
    /// Waits for a task that only this clock's time can complete, and fails fast when nothing advances the clock for
    /// <see cref="StallTimeout"/> of real time, instead of hanging until the test's own timeout.
    /// </summary>
    /// <param name="waited">The task, such as a budget's delay on this clock, or something that completes with it.</param>
    /// <param name="what">What waits, for the message ("Cancellation.HonoursPreCancelledTokenAsync, for its 50 ms budget").</param>
    /// <param name="cancellationToken">The token that stops the wait.</param>
    internal async Task WaitAdvancedAsync(Task waited, string what, CancellationToken cancellationToken)
    {
        var seen = Interlocked.Read(ref _advances);
        var since = TimeProvider.System.GetTimestamp();
        var check = TimeSpan.FromTicks(Math.Max(_stallTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        while (!waited.IsCompleted)
        {
            using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                await Task.WhenAny(waited, Task.Delay(check, TimeProvider.System, stop.Token)).ConfigureAwait(false);
                await stop.CancelAsync().ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var advances = Interlocked.Read(ref _advances);
            if (waited.IsCompleted || advances != seen || Volatile.Read(ref _advancing) == 1)
            {
                seen = advances;
                since = TimeProvider.System.GetTimestamp();
                continue;
            }

            if (TimeProvider.System.GetElapsedTime(since) >= _stallTimeout)
            {
                throw new TimingAssertionException(
                    $"{what} waits on a VirtualTimeProvider, but nothing has advanced that clock for {Durations.Format(_stallTimeout)} of real time " +
                    $"(virtual time is still {Durations.Format(GetUtcNow())}): a virtual clock only moves when the test moves it. " +
                    "Wrap the call in clock.AutoAdvanceUntilAsync(...), or advance the clock (clock.AdvanceAsync) while it waits, or give it TimeProvider.System; " +
                    "raise VirtualTimeProvider.StallTimeout if the test really advances it that rarely.");
            }
        }
    }

    /// <summary>
    /// Returns null when the code under test visibly waits on this clock or works (a timer of its own is armed, its code
    /// runs, a request of it is in flight); otherwise a sentence fragment saying that it waits on something outside the clock.
    /// </summary>
    internal string? WaitsOutsideTheClock()
    {
        lock (_gate)
        {
            if (_armed.Any(t => !t.IsLibraryOwned))
            {
                return null;
            }
        }

        if (_flow.RunningElsewhere > 0 || _flow.IoInFlight > 0)
        {
            return null;
        }

        return "no timer of its own was armed on the virtual clock, none of its code was running and no request of it was in flight, " +
            "so it was waiting on something outside the virtual clock: most often the real clock (Task.Delay, CancelAfter, WaitAsync or a timer " +
            "without this TimeProvider), or an event that nothing in the test raises";
    }

    /// <summary>Gets the id that the next timer created on this clock will have; timers with a lower id existed before.</summary>
    internal long NextTimerId => Interlocked.Read(ref _nextTimerId) + 1;
}
