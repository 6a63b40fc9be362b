namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    /// <summary>
    /// Runs a test body on a thread the clock owns, where every advance knows what is left to run: continuations that
    /// resume on the body's context are queued to that thread, and an advance moves time only once the queue is empty and
    /// no work of the test runs elsewhere.
    /// </summary>
    /// <param name="body">The test body; it starts the code under test and advances the clock.</param>
    /// <param name="cancellationToken">The token that stops waiting for the body; defaults to the current test's token.</param>
    /// <returns>A task that completes like the body.</returns>
    /// <remarks>
    /// <para>Inside the scope, <see cref="AdvanceAsync"/>, <see cref="AdvanceToAsync"/> and
    /// <see cref="AutoAdvanceUntilAsync(Task, CancellationToken)"/> run on the scope's thread and return completed tasks:
    /// the order in which continuations run is the order in which they were queued, the same in every run.</para>
    /// <para>Code that leaves the context (<c>ConfigureAwait(false)</c>, <c>Task.Run</c>, channels, most library code)
    /// runs on the thread pool; the clock still waits for it while it runs (it tracks the threads running code of the
    /// test), but the order of such work is the pool's, not the scope's.</para>
    /// <para>Do not block the body on a task (<c>.Result</c>, <c>.Wait()</c>) whose continuation needs the scope's thread: like any
    /// single-threaded context, that deadlocks.</para>
    /// </remarks>
    public Task RunAsync(Func<Task> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var token = TestReport.Resolve(cancellationToken);
        var result = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new ClockContext(this);
        var thread = new Thread(() => PumpBody(context, body, result))
        {
            IsBackground = true,
            Name = "LiveFixtures virtual clock",
        };
        thread.Start();
        return token.CanBeCanceled ? result.Task.WaitAsync(token) : result.Task;
    }

    private void PumpBody(ClockContext context, Func<Task> body, TaskCompletionSource result)
    {
        _flow.Join();
        _flow.ExcludeCurrentThread();
        context.EntriesAtStart = _flow.Entries;
        var started = new TaskCompletionSource<Task>();
        context.Post(
            _ =>
            {
                try
                {
                    started.SetResult(body() ?? Task.FromException(new InvalidOperationException("The body returned a null task.")));
                }
                catch (Exception e)
                {
                    started.SetResult(Task.FromException(e));
                }
            },
            null);
        var bodyTask = started.Task.Unwrap();
        try
        {
            context.Pump(bodyTask);
            context.ThrowIfCrashed();
        }
        catch (Exception e)
        {
            result.TrySetException(e);
            return;
        }

        if (bodyTask.IsFaulted)
        {
            result.TrySetException(bodyTask.Exception!.InnerExceptions);
        }
        else if (bodyTask.IsCanceled)
        {
            result.TrySetCanceled();
        }
        else
        {
            result.TrySetResult();
        }
    }
}
