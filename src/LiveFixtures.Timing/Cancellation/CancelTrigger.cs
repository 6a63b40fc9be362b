namespace LiveFixtures.Timing;

/// <summary>Says when <see cref="Cancellation.ObserveAsync"/> cancels the operation's token.</summary>
public sealed class CancelTrigger
{
    private readonly Func<TimeProvider, CancellationToken, Task<IDisposable?>>? _wait;

    private CancelTrigger(string description, Func<TimeProvider, CancellationToken, Task<IDisposable?>>? wait)
    {
        Description = description;
        _wait = wait;
    }

    /// <summary>Gets the trigger that cancels as soon as the operation has returned its task.</summary>
    public static CancelTrigger Immediately { get; } = new("as soon as it had started", null);

    /// <summary>Gets a description of the moment, for failure messages ("after 200 ms").</summary>
    public string Description { get; }

    /// <summary>Creates a trigger that cancels after a delay on <see cref="TimedOperationOptions.TimeProvider"/> of the <see cref="CancellationOptions"/>.</summary>
    /// <param name="delay">How long after the start to cancel.</param>
    /// <returns>The trigger.</returns>
    public static CancelTrigger After(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return new CancelTrigger(
            $"{Durations.Format(delay)} after it started",
            async (clock, ct) =>
            {
                await Task.Delay(delay, clock, ct).ConfigureAwait(false);
                return null;
            });
    }

    /// <summary>Creates a trigger that cancels once the operation has armed a number of timers on a virtual clock, that is, once it is parked on them.</summary>
    /// <param name="clock">The virtual clock the operation uses.</param>
    /// <param name="count">How many timers must be pending.</param>
    /// <returns>The trigger.</returns>
    public static CancelTrigger WhenTimersArmed(VirtualTimeProvider clock, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new CancelTrigger(
            $"once it had armed {count} timer(s) on the virtual clock",
            async (_, ct) =>
            {
                // The hold is taken in the same atomic step that sees the timers armed, so no advance can fire them first.
                var hold = await clock.WaitForTimersCoreAsync(count, hold: true, ct).ConfigureAwait(false);
                try
                {
                    await clock.SettleAsync(ct).ConfigureAwait(false);
                    return hold;
                }
                catch
                {
                    hold?.Dispose();
                    throw;
                }
            });
    }

    /// <summary>Creates a trigger that cancels when a signal completes, such as "the operation reported that it started".</summary>
    /// <param name="signal">A function that returns a task completing at the moment to cancel.</param>
    /// <param name="description">The moment, for failure messages ("after the first page was written").</param>
    /// <returns>The trigger.</returns>
    public static CancelTrigger When(Func<CancellationToken, Task> signal, string description)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        return new CancelTrigger(
            description,
            async (_, ct) =>
            {
                await signal(ct).ConfigureAwait(false);
                return null;
            });
    }

    /// <summary>Returns the description of the moment.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => Description;

    /// <summary>
    /// Waits for the moment to cancel, or returns as soon as the operation ends first. Returns a hold on the virtual
    /// clock that the caller releases once it has cancelled, or null.
    /// </summary>
    internal async Task<IDisposable?> WaitAsync(TimeProvider clock, Task operation, CancellationToken cancellationToken)
    {
        if (_wait is null || operation.IsCompleted)
        {
            return null;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var moment = _wait(clock, stop.Token);
        await Task.WhenAny(moment, operation).ConfigureAwait(false);
        if (moment.IsCompleted)
        {
            return await moment.ConfigureAwait(false);
        }

        // The operation ended first: stop waiting for the moment, and release whatever it takes later.
        await stop.CancelAsync().ConfigureAwait(false);
        _ = moment.ContinueWith(
            static t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result?.Dispose();
                }

                _ = t.Exception;
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return null;
    }
}
