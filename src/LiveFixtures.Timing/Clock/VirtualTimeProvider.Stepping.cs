using System.Diagnostics.CodeAnalysis;

namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    /// <summary>
    /// Fires the earliest timer due at or before <paramref name="limitTicks"/>, moving the clock to its due time;
    /// when none is due, moves the clock to <paramref name="limitTicks"/> (if <paramref name="moveWhenIdle"/>) and returns null.
    /// When <paramref name="respectHolds"/> and the clock is held, does nothing, sets <paramref name="held"/> and returns null.
    /// </summary>
    internal Firing? FireNextOrMoveTo(long limitTicks, List<Exception> errors, bool moveWhenIdle, bool respectHolds, out bool held)
    {
        VirtualTimer? next = null;
        TaskCompletionSource signal;
        long at;
        lock (_gate)
        {
            held = respectHolds && _holds > 0;
            if (held)
            {
                return null;
            }

            foreach (var timer in _armed)
            {
                if (timer.DueTicks <= limitTicks && (next is null || timer.DueTicks < next.DueTicks || (timer.DueTicks == next.DueTicks && timer.Id < next.Id)))
                {
                    next = timer;
                }
            }

            if (next is null)
            {
                if (!moveWhenIdle || limitTicks <= _nowTicks)
                {
                    return null;
                }

                _nowTicks = limitTicks;
                signal = SwapSignal();
                at = _nowTicks;
            }
            else
            {
                _nowTicks = Math.Max(_nowTicks, next.DueTicks);
                at = _nowTicks;
                next.FireCount++;
                if (next.PeriodTicks > 0)
                {
                    next.DueTicks = AddClamped(next.DueTicks, next.PeriodTicks);
                }
                else
                {
                    Disarm(next);
                }

                signal = SwapSignal();
            }
        }

        signal.TrySetResult();
        if (next is null)
        {
            return null;
        }

        Invoke(next, errors);
        return new Firing(next, at);
    }

    /// <summary>
    /// Lets queued continuations run. First it trips through the thread pool's global queue until the pool
    /// looks idle and no timer changed for two trips in a row, at most <see cref="SettleRounds"/> trips. If
    /// the pool never looked idle (other tests, or a continuation still running on another worker), it then
    /// gives the pool real time in 1 ms pauses until no timer changed for two pauses, at most ten, while the
    /// budget of pauses of the whole advance lasts.
    /// </summary>
    internal async Task SettleAsync(SettleBudget budget, CancellationToken cancellationToken)
    {
        var version = Interlocked.Read(ref _version);
        var quiet = 0;
        for (var round = 0; round < _settleRounds && quiet < 2; round++)
        {
            await default(GlobalQueueYield);
            cancellationToken.ThrowIfCancellationRequested();
            var now = Interlocked.Read(ref _version);
            quiet = now == version && ThreadPoolLooksIdle() ? quiet + 1 : 0;
            version = now;
        }

        if (quiet >= 2)
        {
            return;
        }

        quiet = 0;
        for (var pause = 0; pause < 10 && quiet < 2 && budget.PausesLeft > 0; pause++)
        {
            budget.PausesLeft--;
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            var now = Interlocked.Read(ref _version);
            quiet = now == version ? quiet + 1 : 0;
            version = now;
        }
    }

    private static bool ThreadPoolLooksIdle()
    {
        if (ThreadPool.PendingWorkItemCount != 0)
        {
            return false;
        }

        ThreadPool.GetMaxThreads(out var maxWorkers, out _);
        ThreadPool.GetAvailableThreads(out var availableWorkers, out _);
        return maxWorkers - availableWorkers <= 1;
    }

    [SuppressMessage("Design", "CA1031", Justification = "A throwing callback must not wedge the clock; its exception is reported after the advance.")]
    private static void Invoke(VirtualTimer timer, List<Exception> errors)
    {
        try
        {
            if (timer.Context is { } context)
            {
                ExecutionContext.Run(context, static s => ((VirtualTimer)s!).Callback(((VirtualTimer)s!).State), timer);
            }
            else
            {
                timer.Callback(timer.State);
            }
        }
        catch (Exception exception)
        {
            lock (errors)
            {
                errors.Add(exception);
            }
        }
    }

    /// <summary>Records one timer firing: the timer and the virtual instant it fired at.</summary>
    internal readonly record struct Firing(VirtualTimer Timer, long AtTicks);

    /// <summary>
    /// Bounds the real time that one advance spends in 1 ms settle pauses (about half a second), so that a long or
    /// runaway auto-advance on a busy machine falls back to thread-pool trips alone instead of crawling.
    /// </summary>
    internal sealed class SettleBudget
    {
        public int PausesLeft { get; set; } = 500;
    }
}
