using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace LiveFixtures.Timing;

/// <summary>
/// Runs the asynchronous advances of virtual clocks on threads of their own, outside the thread pool. A timer callback
/// fired on a pool thread queues the continuations it releases to that thread's local queue, where no other thread can
/// see them; fired here, they go to the pool's global queue, first in, first out, so that a trip through that queue
/// proves they have been picked up. The threads are kept for a while and reused, so an advance does not pay a thread start.
/// </summary>
internal static class ClockThreads
{
    private static readonly ConcurrentBag<Worker> Idle = [];
    private static readonly TimeSpan KeepIdle = TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="work"/> on a clock thread, outside every clock's flow but in the caller's other execution context (the current test).</summary>
    public static async Task<T> RunAsync<T>(Func<T> work)
    {
        ClockFlow.Leave();
        var context = ExecutionContext.Capture();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            try
            {
                if (context is null)
                {
                    done.TrySetResult(work());
                }
                else
                {
                    ExecutionContext.Run(context, static s => ((Action)s!)(), (Action)(() => done.TrySetResult(work())));
                }
            }
            catch (OperationCanceledException canceled)
            {
                done.TrySetCanceled(canceled.CancellationToken);
            }
            catch (Exception error)
            {
                done.TrySetException(error);
            }
        }

        if (!Idle.TryTake(out var worker) || !worker.TryGive(Run))
        {
            Worker.Start(Run);
        }

        return await done.Task.ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> on a clock thread, outside every clock's flow.</summary>
    public static Task RunAsync(Action work) => RunAsync<bool>(() =>
    {
        work();
        return true;
    });

    /// <summary>Returns true when the calling thread is a clock thread.</summary>
    public static bool IsClockThread => Worker.Current is not null;

    [SuppressMessage("Design", "CA1001", Justification = "The semaphore lives as long as the worker's thread, which ends on its own when idle.")]
    private sealed class Worker
    {
        [ThreadStatic]
        private static Worker? t_current;

        private readonly Lock _gate = new();
        private readonly SemaphoreSlim _ready = new(0);
        private Action? _next;
        private bool _retired;

        public static Worker? Current => t_current;

        public static void Start(Action first)
        {
            var worker = new Worker { _next = first };
            using (ExecutionContext.SuppressFlow())
            {
                new Thread(worker.Loop) { IsBackground = true, Name = "LiveFixtures clock" }.Start();
            }

            worker._ready.Release();
        }

        /// <summary>Hands the worker its next job; false when it has retired meanwhile.</summary>
        public bool TryGive(Action work)
        {
            lock (_gate)
            {
                if (_retired)
                {
                    return false;
                }

                _next = work;
            }

            _ready.Release();
            return true;
        }

        private void Loop()
        {
            t_current = this;
            while (true)
            {
                if (!_ready.Wait(KeepIdle))
                {
                    lock (_gate)
                    {
                        if (_next is null)
                        {
                            _retired = true;
                            return;
                        }
                    }

                    continue;
                }

                Action work;
                lock (_gate)
                {
                    work = _next!;
                    _next = null;
                }

                work();
                Idle.Add(this);
            }
        }
    }
}
