using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace LiveFixtures.Timing;

/// <summary>
/// Tracks the code that runs in a virtual clock's flow: the execution context in which the clock was created (or a
/// scope was entered), and everything that captures it (awaits, <c>Task.Run</c>, timers, threads). It counts the threads
/// that are executing such code right now, from the runtime's own notifications of execution-context switches, so the
/// clock knows (instead of guessing from the thread pool) when code of its test is still running.
/// </summary>
/// <remarks>
/// Code started with <see cref="ExecutionContext.SuppressFlow"/>, an <c>Unsafe*</c> API, or from a flow that never saw the
/// clock is invisible here; the clock reports timers armed by such code as work that escaped it.
/// </remarks>
internal sealed class ClockFlow
{
    private static readonly AsyncLocal<ClockFlow?> Current = new(OnChanged);

    [ThreadStatic]
    private static ClockFlow? t_excludedFrom;

    private readonly ConcurrentDictionary<Thread, long> _running = new();
    private readonly Action _onIdle;
    private int _count;
    private long _entries;
    private int _io;

    public ClockFlow(Action onIdle) => _onIdle = onIdle;

    /// <summary>Gets the flow the calling code runs in, or null.</summary>
    public static ClockFlow? Of => Current.Value;

    /// <summary>Gets how many threads (other than excluded ones) are executing code of this flow right now.</summary>
    public int Running => Volatile.Read(ref _count);

    /// <summary>Gets how many threads other than the calling one are executing code of this flow right now.</summary>
    public int RunningElsewhere => Math.Max(0, Running - (_running.ContainsKey(Thread.CurrentThread) ? 1 : 0));

    /// <summary>Gets how many network requests started in this flow are still in flight.</summary>
    public int IoInFlight => Volatile.Read(ref _io);

    /// <summary>Gets how many times a thread started executing code of this flow; it only grows.</summary>
    public long Entries => Interlocked.Read(ref _entries);

    /// <summary>Puts the calling code, and everything it starts from now on, into this flow.</summary>
    public void Join() => Current.Value = this;

    /// <summary>Takes the calling async method out of any flow until it returns (the value is restored when it does).</summary>
    public static void Leave() => Current.Value = null;

    /// <summary>Excludes the calling thread (a pump the clock drives itself) from the count, for as long as it lives.</summary>
    public void ExcludeCurrentThread()
    {
        t_excludedFrom = this;
        if (_running.TryRemove(Thread.CurrentThread, out _))
        {
            Decrement();
        }
    }

    /// <summary>Lists the threads running code of this flow and since when (a <see cref="TimeProvider.System"/> timestamp).</summary>
    public IReadOnlyList<(Thread Thread, long Since)> Snapshot() => [.. _running.Select(p => (p.Key, p.Value))];

    /// <summary>Counts a network request that code of this flow started.</summary>
    public void IoStarted() => Interlocked.Increment(ref _io);

    /// <summary>Counts the end of a network request that code of this flow started.</summary>
    public void IoEnded()
    {
        if (Interlocked.Decrement(ref _io) <= 0)
        {
            Interlocked.Exchange(ref _io, 0);
            _onIdle();
        }
    }

    [SuppressMessage("Design", "CA1031", Justification = "An exception thrown from an AsyncLocal notification would tear the process down.")]
    private static void OnChanged(AsyncLocalValueChangedArgs<ClockFlow?> args)
    {
        try
        {
            if (ReferenceEquals(args.PreviousValue, args.CurrentValue))
            {
                return;
            }

            args.PreviousValue?.ThreadLeft();
            args.CurrentValue?.ThreadEntered();
        }
        catch (Exception)
        {
            // Never let the notification fail: the count is only a help.
        }
    }

    private void ThreadEntered()
    {
        if (ReferenceEquals(t_excludedFrom, this))
        {
            return;
        }

        if (_running.TryAdd(Thread.CurrentThread, TimeProvider.System.GetTimestamp()))
        {
            Interlocked.Increment(ref _count);
            Interlocked.Increment(ref _entries);
        }
    }

    private void ThreadLeft()
    {
        if (_running.TryRemove(Thread.CurrentThread, out _))
        {
            Decrement();
        }
    }

    private void Decrement()
    {
        if (Interlocked.Decrement(ref _count) == 0)
        {
            _onIdle();
        }
    }
}
