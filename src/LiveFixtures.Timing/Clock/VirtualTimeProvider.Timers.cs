namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    /// <summary>Creates a timer that fires when virtual time reaches its due time.</summary>
    /// <param name="callback">The callback to invoke, in the execution context captured now.</param>
    /// <param name="state">The state passed to the callback.</param>
    /// <param name="dueTime">The virtual delay before the first firing, or <see cref="Timeout.InfiniteTimeSpan"/> to leave it disarmed.</param>
    /// <param name="period">The virtual interval between firings, or <see cref="Timeout.InfiniteTimeSpan"/> or zero for a one-shot timer.</param>
    /// <returns>The timer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative and not infinite.</exception>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ValidateTimerTime(dueTime, nameof(dueTime));
        ValidateTimerTime(period, nameof(period));
        var timer = new VirtualTimer(this, Interlocked.Increment(ref _nextTimerId), callback, state, ExecutionContext.Capture(), CurrentLibraryOwner);
        Change(timer, dueTime, period);
        return timer;
    }

    /// <summary>Lists the armed timers in the order they will fire.</summary>
    /// <returns>A snapshot of the armed timers, ordered by due time, then creation order.</returns>
    public IReadOnlyList<PendingTimer> GetPendingTimers() => GetPendingTimers(includeLibraryTimers: true);

    /// <summary>Lists the armed timers in the order they will fire, with or without the library's own (a wait's probe delay, a deadline's budget).</summary>
    internal IReadOnlyList<PendingTimer> GetPendingTimers(bool includeLibraryTimers)
    {
        lock (_gate)
        {
            return [.. _armed.Where(t => includeLibraryTimers || !t.IsLibraryOwned).OrderBy(t => t.DueTicks).ThenBy(t => t.Id).Select(t => t.ToPendingTimer())];
        }
    }

    internal bool Change(VirtualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        ValidateTimerTime(dueTime, nameof(dueTime));
        ValidateTimerTime(period, nameof(period));
        TaskCompletionSource signal;
        PendingTimer? armed = null;
        List<TaskCompletionSource<IDisposable>>? holds = null;
        long now;
        lock (_gate)
        {
            if (timer.IsDisposed)
            {
                return false;
            }

            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                Disarm(timer);
            }
            else
            {
                timer.DueTicks = AddClamped(_nowTicks, dueTime.Ticks);
                timer.PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                if (!timer.IsArmed)
                {
                    timer.IsArmed = true;
                    _armed.Add(timer);
                }

                _timersArmed++;
                armed = timer.ToPendingTimer();
                holds = _holdWaiters.Count > 0 ? TakeHoldsForWaiters() : null;
            }

            now = _nowTicks;
            signal = SwapSignal();
        }

        // Noted before anyone waiting for this timer is woken: a test that waited for it reads the note at once.
        if (armed is { } escaped)
        {
            NoteIfEscaped(timer, escaped.DueTime.UtcTicks - now);
        }

        signal.TrySetResult();
        foreach (var hold in holds ?? [])
        {
            hold.TrySetResult(new Release(this));
        }

        if (armed is { } pending)
        {
            TimerArmed?.Invoke(pending, new DateTimeOffset(now, TimeSpan.Zero));
        }

        return true;
    }

    internal void Remove(VirtualTimer timer)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (timer.IsDisposed)
            {
                return;
            }

            timer.IsDisposed = true;
            Disarm(timer);
            signal = SwapSignal();
        }

        signal.TrySetResult();
    }

    /// <summary>Occurs after a timer is armed, outside the lock, on the arming thread, with the timer and the virtual time.</summary>
    internal event Action<PendingTimer, DateTimeOffset>? TimerArmed;

    /// <summary>Returns a task that completes at the next change of any timer or of the time.</summary>
    internal Task WhenChanged()
    {
        lock (_gate)
        {
            return _changed.Task;
        }
    }

    /// <summary>Returns the due time of the earliest armed timer, or null when none is armed.</summary>
    internal long? NextDueTicks()
    {
        lock (_gate)
        {
            return _armed.Count == 0 ? null : _armed.Min(t => t.DueTicks);
        }
    }

    private static long AddClamped(long ticks, long delta) =>
        delta >= DateTimeOffset.MaxValue.UtcTicks - ticks ? DateTimeOffset.MaxValue.UtcTicks : ticks + delta;

    private static void ValidateTimerTime(TimeSpan time, string paramName)
    {
        if (time < TimeSpan.Zero && time != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, time, "A timer time must be zero or positive, or Timeout.InfiniteTimeSpan.");
        }
    }

    private void Disarm(VirtualTimer timer)
    {
        if (timer.IsArmed)
        {
            timer.IsArmed = false;
            _armed.Remove(timer);
        }
    }

    /// <summary>Replaces the change signal; the caller completes the returned one outside the lock.</summary>
    private TaskCompletionSource SwapSignal()
    {
        var previous = _changed;
        _changed = NewSignal();
        _version++;
        return previous;
    }
}
