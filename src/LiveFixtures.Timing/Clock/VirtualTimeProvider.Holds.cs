namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    private int _holds;
    private readonly List<(int Count, TaskCompletionSource<IDisposable> Hold)> _holdWaiters = [];

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

    /// <summary>Blocks until no hold is taken; on the scope's thread, runs what is posted meanwhile.</summary>
    private void WaitWhileHeld(ClockContext? context, CancellationToken cancellationToken)
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

            WaitFor(context, changed, null, Timeout.InfiniteTimeSpan, cancellationToken);
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
                if (hold)
                {
                    // The arming itself takes the hold (see TakeHoldsForWaiters), so no advance can fire the timers in between.
                    var waiter = (count, new TaskCompletionSource<IDisposable>(TaskCreationOptions.RunContinuationsAsynchronously));
                    _holdWaiters.Add(waiter);
                    changed = waiter.Item2.Task;
                }
            }

            var remaining = _armTimeout - TimeProvider.System.GetElapsedTime(started);
            try
            {
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                await changed.WaitAsync(remaining, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                if (changed is Task<IDisposable> taken)
                {
                    return taken.Result;
                }
            }
            catch (OperationCanceledException) when (hold && !AbandonHoldWaiter(changed))
            {
                ((Task<IDisposable>)changed).Result.Dispose(); // The arming gave the hold just as the wait was cancelled.
                throw;
            }
            catch (TimeoutException) when (hold && !AbandonHoldWaiter(changed))
            {
                return ((Task<IDisposable>)changed).Result; // The arming gave the hold just as the wait timed out.
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

    /// <summary>Under the lock, right after a timer is armed: gives a hold to every waiter whose count of armed timers is reached.</summary>
    private List<TaskCompletionSource<IDisposable>>? TakeHoldsForWaiters()
    {
        List<TaskCompletionSource<IDisposable>>? ready = null;
        for (var i = _holdWaiters.Count - 1; i >= 0; i--)
        {
            if (_armed.Count >= _holdWaiters[i].Count)
            {
                _holds++;
                (ready ??= []).Add(_holdWaiters[i].Hold);
                _holdWaiters.RemoveAt(i);
            }
        }

        return ready;
    }

    /// <summary>Removes a waiter that gives up; returns false (so the hold is used after all) when the arming took the hold meanwhile.</summary>
    private bool AbandonHoldWaiter(Task waiter)
    {
        lock (_gate)
        {
            return _holdWaiters.RemoveAll(w => w.Hold.Task == waiter) > 0;
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
