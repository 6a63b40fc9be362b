using System.Diagnostics.CodeAnalysis;

namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    private readonly List<PeriodicTick> _ticks = [];

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

                if (PeriodicTick.After(next, _timersArmed) is { } tick)
                {
                    _ticks.RemoveAll(t => t.Timer == next);
                    _ticks.Add(tick);
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
    /// Lets the code under test finish what the last firing started, and returns once nothing of it is left to run:
    /// the scope's queue (if any) is empty, no thread runs code of the clock's flow, no network request of it is in
    /// flight, no <see cref="PeriodicTimer"/> tick waits for its consumer, and two trips through the thread pool's
    /// global queue changed none of that. Work it can see but that does not end within <see cref="SettleTimeout"/> of
    /// real time is noted and no longer waited for. Blocks: it runs on a clock thread or on the scope's thread.
    /// </summary>
    internal void Settle(ClockContext? context, CancellationToken cancellationToken)
    {
        var started = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context?.RunPending();
            var changed = WhenChanged(); // Taken before the check, so that a change right after the check still wakes the wait.
            if (BusyWith() is { } busy)
            {
                started = started == 0 ? TimeProvider.System.GetTimestamp() : started;
                var remaining = _settleTimeout - TimeProvider.System.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    GiveUpOn(busy);
                    continue;
                }

                WaitFor(context, changed, null, busy.Poll ? TimeSpan.FromMilliseconds(1) : remaining, cancellationToken);
                continue;
            }

            if (context is not null)
            {
                if (context.Queued > 0)
                {
                    continue;
                }

                if (_flow.Entries == context.EntriesAtStart)
                {
                    return; // No work of the test ever ran off the scope's thread: the empty queue is the whole truth.
                }
            }

            // Work released by a firing may be queued to the pool but not started: two trips through the global queue
            // (first in, first out) prove it has been picked up and would have shown as running or changed something.
            var version = Interlocked.Read(ref _version);
            var entries = _flow.Entries;
            Trip(cancellationToken);
            Trip(cancellationToken);
            if (version == Interlocked.Read(ref _version) && entries == _flow.Entries && (context?.Queued ?? 0) == 0 && BusyWith() is null)
            {
                return;
            }
        }
    }

    /// <summary>Lets the code under test finish what it is doing (see <see cref="Settle"/>), from asynchronous code.</summary>
    internal Task SettleAsync(CancellationToken cancellationToken) => ClockThreads.RunAsync(() => Settle(null, cancellationToken));

    /// <summary>Blocks until one of the tasks completes or the timeout passes; on the scope's thread, runs what is posted meanwhile.</summary>
    internal static void WaitFor(ClockContext? context, Task a, Task? b, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (context is not null)
        {
            context.WaitOnPump(a, b, timeout, cancellationToken);
            return;
        }

        Task.WaitAny(b is null ? [a] : [a, b], Millis(timeout), cancellationToken);
    }

    /// <summary>Converts a timeout to the whole milliseconds that blocking waits take (at least 1, or -1 for infinite).</summary>
    internal static int Millis(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, int.MaxValue);

    private static void Trip(CancellationToken cancellationToken)
    {
        using var done = new ManualResetEventSlim();
        ThreadPool.UnsafeQueueUserWorkItem(static d => d.Set(), done, preferLocal: false);
        done.Wait(cancellationToken);
    }

    /// <summary>Describes the work the clock can see still running, or returns null when there is none.</summary>
    private Busy? BusyWith()
    {
        var threads = _flow.Running;
        if (threads > 0)
        {
            var blocked = 0;
            lock (_gate)
            {
                foreach (var (thread, since) in _flow.Snapshot())
                {
                    blocked += _blocked.Contains((thread, since)) ? 1 : 0;
                }
            }

            if (threads > blocked)
            {
                return new Busy(BusyKind.Threads, threads - blocked, Poll: false);
            }
        }

        var io = _flow.IoInFlight;
        if (io > Volatile.Read(ref _ioIgnored))
        {
            return new Busy(BusyKind.Io, io, Poll: false);
        }

        lock (_gate)
        {
            var armed = _timersArmed;
            var pending = 0;
            for (var i = _ticks.Count - 1; i >= 0; i--)
            {
                var tick = _ticks[i];
                if (!tick.IsPending(armed))
                {
                    _ticks.RemoveAt(i);
                    _ignoredTicks.Remove(tick.Timer);
                }
                else if (!_ignoredTicks.Contains(tick.Timer))
                {
                    pending++;
                }
            }

            return pending > 0 ? new Busy(BusyKind.PeriodicConsumers, pending, Poll: true) : null;
        }
    }

    private readonly HashSet<(Thread, long)> _blocked = [];
    private readonly HashSet<VirtualTimer> _ignoredTicks = [];
    private int _ioIgnored;

    /// <summary>Stops waiting for work that outlasted the settle timeout, and notes it for diagnostics.</summary>
    private void GiveUpOn(Busy busy)
    {
        string note;
        lock (_gate)
        {
            switch (busy.Kind)
            {
                case BusyKind.Threads:
                    foreach (var entry in _flow.Snapshot())
                    {
                        _blocked.Add(entry);
                    }

                    note = $"{busy.Count} thread(s) kept running code of the test for more than {Durations.Format(_settleTimeout)} of real time " +
                        $"(blocked, or a loop that never awaits); virtual time moved on without waiting for them any longer";
                    break;
                case BusyKind.Io:
                    _ioIgnored = _flow.IoInFlight;
                    note = $"{busy.Count} network request(s) stayed in flight for more than {Durations.Format(_settleTimeout)} of real time; virtual time moved on without waiting for them any longer";
                    break;
                default:
                    var owners = new List<string>();
                    foreach (var tick in _ticks)
                    {
                        _ignoredTicks.Add(tick.Timer);
                        owners.Add("#" + tick.Timer.Id);
                    }

                    note = $"PeriodicTimer {string.Join(", ", owners)} ticked, but its consumer did not come back to WaitForNextTickAsync within {Durations.Format(_settleTimeout)} of real time; its next tick may be merged with this one";
                    break;
            }
        }

        AddNote(note);
    }

    [SuppressMessage("Design", "CA1031", Justification = "A throwing callback must not wedge the clock; its exception is reported after the advance.")]
    private void Invoke(VirtualTimer timer, List<Exception> errors)
    {
        var outer = t_firing;
        t_firing = this;
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
        finally
        {
            t_firing = outer;
        }
    }

    /// <summary>Records one timer firing: the timer and the virtual instant it fired at.</summary>
    internal readonly record struct Firing(VirtualTimer Timer, long AtTicks);

    private enum BusyKind
    {
        Threads,
        Io,
        PeriodicConsumers,
    }

    /// <summary>What keeps the clock from moving on: the kind of work, how much of it, and whether its end must be polled for.</summary>
    private readonly record struct Busy(BusyKind Kind, int Count, bool Poll);
}
