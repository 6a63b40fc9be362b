using System.Runtime.ExceptionServices;

namespace LiveFixtures.Timing;

/// <summary>
/// The synchronization context of <see cref="VirtualTimeProvider.RunAsync"/>: one thread, owned by the clock, runs every
/// continuation posted to it in order, so the clock knows exactly what is left to run (the queue) for code that stays on it.
/// </summary>
internal sealed class ClockContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
    private readonly Lock _gate = new();
    private readonly VirtualTimeProvider _clock;
    private TaskCompletionSource _posted = NewSignal();
    private ExceptionDispatchInfo? _crash;
    private bool _closed;

    public ClockContext(VirtualTimeProvider clock) => _clock = clock;

    /// <summary>Gets the thread that pumps this context, once it runs.</summary>
    public Thread? Thread { get; private set; }

    /// <summary>Gets or sets how many times a thread had entered the clock's flow when the scope started.</summary>
    public long EntriesAtStart { get; set; }

    /// <summary>Gets how many callbacks are queued.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Gets the context of the clock whose pump the calling thread is, or null.</summary>
    public static ClockContext? OnPumpOf(VirtualTimeProvider clock) =>
        Current is ClockContext context && ReferenceEquals(context._clock, clock) && ReferenceEquals(context.Thread, Thread.CurrentThread) ? context : null;

    /// <inheritdoc/>
    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        TaskCompletionSource posted;
        lock (_gate)
        {
            if (_closed)
            {
                // The scope has ended: what still resumes on it (a loop that outlived the body) runs on the pool.
                ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
                return;
            }

            _queue.Enqueue((d, state));
            posted = _posted;
            _posted = NewSignal();
        }

        posted.TrySetResult();
    }

    /// <inheritdoc/>
    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (ReferenceEquals(Thread, Thread.CurrentThread))
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim();
        ExceptionDispatchInfo? error = null;
        Post(
            _ =>
            {
                try
                {
                    d(state);
                }
                catch (Exception e)
                {
                    error = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    done.Set();
                }
            },
            null);
        done.Wait();
        error?.Throw();
    }

    /// <inheritdoc/>
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Returns a task that completes at the next post.</summary>
    public Task WhenPosted()
    {
        lock (_gate)
        {
            return _queue.Count > 0 ? Task.CompletedTask : _posted.Task;
        }
    }

    /// <summary>Runs every queued callback, including those they queue, in order; returns how many ran.</summary>
    public int RunPending()
    {
        var ran = 0;
        while (TryDequeue(out var item))
        {
            Run(item);
            ran++;
        }

        return ran;
    }

    /// <summary>Pumps on the calling thread, which becomes this context's thread, until <paramref name="until"/> completes.</summary>
    public void Pump(Task until)
    {
        Thread = Thread.CurrentThread;
        SetSynchronizationContext(this);
        while (true)
        {
            RunPending();
            if (until.IsCompleted)
            {
                RunPending();
                lock (_gate)
                {
                    if (_queue.Count == 0)
                    {
                        _closed = true;
                        return;
                    }
                }

                continue;
            }

            Task.WaitAny(WhenPosted(), until);
        }
    }

    /// <summary>Blocks the pump (running what is posted meanwhile) until one of the tasks completes or the timeout passes.</summary>
    public void WaitOnPump(Task a, Task? b, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var posted = WhenPosted();
        Task.WaitAny(b is null ? [a, posted] : [a, b, posted], VirtualTimeProvider.Millis(timeout), cancellationToken);
        RunPending();
    }

    /// <summary>Rethrows an exception that escaped a posted callback (an async void method), if one did.</summary>
    public void ThrowIfCrashed() => _crash?.Throw();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private bool TryDequeue(out (SendOrPostCallback Callback, object? State) item)
    {
        lock (_gate)
        {
            return _queue.TryDequeue(out item);
        }
    }

    private void Run((SendOrPostCallback Callback, object? State) item)
    {
        try
        {
            item.Callback(item.State);
        }
        catch (Exception e)
        {
            _crash ??= ExceptionDispatchInfo.Capture(e);
        }
    }
}
