namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    /// <summary>Moves virtual time forward, firing every timer that falls due on the way, in order.</summary>
    /// <param name="delta">How far to move; zero fires only the timers that are due now.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    /// <exception cref="InvalidOperationException">Another advance of this clock is running.</exception>
    public void Advance(TimeSpan delta) => AdvanceTo(TargetOf(delta));

    /// <summary>Moves virtual time forward to an instant, firing every timer that falls due on the way, in order.</summary>
    /// <param name="target">The instant to move to; it must not be earlier than the current virtual time.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is in the virtual past.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    /// <exception cref="InvalidOperationException">Another advance of this clock is running.</exception>
    public void AdvanceTo(DateTimeOffset target)
    {
        var targetTicks = ValidateTarget(target);
        EnterAdvance();
        try
        {
            var errors = new List<Exception>();
            var guard = new InstantGuard();
            while (FireNextOrMoveTo(targetTicks, errors, moveWhenIdle: true, respectHolds: false, out _) is { } firing)
            {
                guard.Count(this, firing);
            }

            ThrowIfCallbacksFailed(errors);
        }
        finally
        {
            ExitAdvance();
        }
    }

    /// <summary>Moves virtual time forward step by step, letting the work that each fired timer starts finish (and arm new timers) before looking for the next one.</summary>
    /// <param name="delta">How far to move; zero fires only the timers that are due now.</param>
    /// <param name="cancellationToken">The token that stops the advance between two timers; defaults to the current test's token.</param>
    /// <returns>A task that completes when virtual time has reached its target.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    /// <exception cref="InvalidOperationException">Another advance of this clock is running.</exception>
    public Task AdvanceAsync(TimeSpan delta, CancellationToken cancellationToken = default) =>
        AdvanceToAsync(TargetOf(delta), cancellationToken);

    /// <summary>Moves virtual time forward to an instant step by step, letting the work that each fired timer starts finish (and arm new timers) before looking for the next one.</summary>
    /// <param name="target">The instant to move to; it must not be earlier than the current virtual time.</param>
    /// <param name="cancellationToken">The token that stops the advance between two timers; defaults to the current test's token.</param>
    /// <returns>A task that completes when virtual time has reached its target.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is in the virtual past.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    /// <exception cref="InvalidOperationException">Another advance of this clock is running.</exception>
    public Task AdvanceToAsync(DateTimeOffset target, CancellationToken cancellationToken = default)
    {
        var targetTicks = ValidateTarget(target);
        var token = TestReport.Resolve(cancellationToken);
        if (ClockContext.OnPumpOf(this) is { } context)
        {
            try
            {
                AdvanceCore(context, targetTicks, token);
                return Task.CompletedTask;
            }
            catch (Exception e)
            {
                return Task.FromException(e);
            }
        }

        return ClockThreads.RunAsync(() => AdvanceCore(null, targetTicks, token));
    }

    internal void EnterAdvance()
    {
        if (Interlocked.CompareExchange(ref _advancing, 1, 0) != 0)
        {
            throw new InvalidOperationException(
                "This VirtualTimeProvider is already advancing: another Advance, AdvanceAsync or AutoAdvanceUntilAsync is running, " +
                "or a timer callback tried to advance the clock. Advance it from one place at a time and await the running advance first.");
        }

        Interlocked.Increment(ref _advances);
    }

    internal void ExitAdvance()
    {
        Interlocked.Exchange(ref _lastAdvanceEnded, TimeProvider.System.GetTimestamp());
        Volatile.Write(ref _advancing, 0);
    }

    internal void ThrowIfCallbacksFailed(List<Exception> errors)
    {
        if (errors.Count == 0)
        {
            return;
        }

        throw new AggregateException(
            $"{errors.Count} timer callback(s) threw while virtual time advanced (now {Durations.Format(GetUtcNow())}); " +
            $"every due timer still fired and the clock can be used on. Fix the callback; the first error was {Durations.Describe(errors[0])}.",
            errors);
    }

    /// <summary>Advances step by step, settling before each firing; runs on the scope's thread or on a clock thread.</summary>
    private void AdvanceCore(ClockContext? context, long targetTicks, CancellationToken token)
    {
        EnterAdvance();
        try
        {
            var errors = new List<Exception>();
            var guard = new InstantGuard();
            var fired = false;
            while (true)
            {
                Settle(context, token);
                if (FireNextOrMoveTo(targetTicks, errors, moveWhenIdle: true, respectHolds: true, out var held) is not { } firing)
                {
                    if (held)
                    {
                        WaitWhileHeld(context, token);
                        continue;
                    }

                    break;
                }

                fired = true;
                guard.Count(this, firing);
            }

            if (fired)
            {
                Settle(context, token); // What the last firing released; an advance that fired nothing has nothing new to wait for.
            }
            ThrowIfCallbacksFailed(errors);
        }
        finally
        {
            ExitAdvance();
        }
    }

    private DateTimeOffset TargetOf(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        return new DateTimeOffset(AddClamped(Interlocked.Read(ref _nowTicks), delta.Ticks), TimeSpan.Zero);
    }

    private long ValidateTarget(DateTimeOffset target)
    {
        var now = Interlocked.Read(ref _nowTicks);
        if (target.UtcTicks < now)
        {
            throw new ArgumentOutOfRangeException(
                nameof(target),
                target,
                $"Virtual time only moves forward: it is {Durations.Format(GetUtcNow())}, so it cannot be set back to {Durations.Format(target)}.");
        }

        return target.UtcTicks;
    }

    /// <summary>Stops an advance that keeps firing timers without time moving on.</summary>
    private struct InstantGuard
    {
        private long _atTicks;
        private int _count;

        public void Count(VirtualTimeProvider clock, Firing firing)
        {
            _count = firing.AtTicks == _atTicks ? _count + 1 : 1;
            _atTicks = firing.AtTicks;
            if (_count > clock.MaxSteps)
            {
                throw new TimingAssertionException(
                    $"Timers fired {clock.MaxSteps:N0} times at the single virtual instant {Durations.Format(new DateTimeOffset(_atTicks, TimeSpan.Zero))} " +
                    $"without time moving on; the last was #{firing.Timer.Id} ({firing.Timer.Owner}). A callback re-arms a timer with a zero due time forever. " +
                    "Make it re-arm with a positive delay, or raise VirtualTimeProvider.MaxSteps if it really needs that many firings at one instant.");
            }
        }
    }
}
