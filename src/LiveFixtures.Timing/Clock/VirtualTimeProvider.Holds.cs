namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    private int _holds;

    /// <summary>
    /// Holds the clock: while any hold is taken, asynchronous advances and auto-advance fire no timer. The library's
    /// assertions hold it from the moment they cancel something until it has reacted, so that virtual time does not
    /// run past that reaction. The synchronous <see cref="Advance"/> ignores holds.
    /// </summary>
    internal IDisposable Hold()
    {
        lock (_gate)
        {
            _holds++;
        }

        return new Release(this);
    }

    /// <summary>Waits until no hold is taken.</summary>
    internal async Task WhileHeldAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_holds == 0)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="count"/> timers are pending; when <paramref name="hold"/>, takes a hold in the same atomic step and returns it.</summary>
    internal async Task<IDisposable?> WaitForTimersCoreAsync(int count, bool hold, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_armed.Count >= count)
                {
                    if (!hold)
                    {
                        return null;
                    }

                    _holds++;
                    return new Release(this);
                }

                changed = _changed.Task;
            }

            var remaining = _armTimeout - TimeProvider.System.GetElapsedTime(started);
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                await changed.WaitAsync(remaining, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                var pending = GetPendingTimers();
                throw new TimingAssertionException(
                    $"Waited {Durations.Format(_armTimeout)} of real time for {count} timer(s) to be armed on the virtual clock, but {pending.Count} " +
                    $"{(pending.Count == 1 ? "is" : "are")} armed{Listing(pending)}. The code under test may not use this VirtualTimeProvider, may not have " +
                    "reached its wait yet, or may have finished; pass the VirtualTimeProvider to it, or raise ArmTimeout if it needs longer to start.");
            }
        }
    }

    private void ReleaseHold()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _holds--;
            signal = SwapSignal();
        }

        signal.TrySetResult();
    }

    /// <summary>Releases one hold, once.</summary>
    private sealed class Release(VirtualTimeProvider clock) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                clock.ReleaseHold();
            }
        }
    }
}
