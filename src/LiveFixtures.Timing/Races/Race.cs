using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LiveFixtures.Timing;

/// <summary>Starts several operations at the same instant, to provoke races, and collects every result and exception.</summary>
public static class Race
{
    /// <summary>Runs operations released together by a start gate and collects how each ended.</summary>
    /// <typeparam name="T">The type of the operations' result.</typeparam>
    /// <param name="count">How many operations to start.</param>
    /// <param name="operation">The operation, given its index (from 0) and a token cancelled when the caller's token is.</param>
    /// <param name="cancellationToken">The token passed to the operations; defaults to the current test's token.</param>
    /// <returns>How every operation ended, never throwing for an operation's failure.</returns>
    /// <remarks>Each operation gets its own thread, which blocks on one gate until all are ready; opening the gate releases them together, and each then runs until its first asynchronous wait on that thread.</remarks>
    public static async Task<RaceResult<T>> StartTogetherAsync<T>(
        int count, Func<int, CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentNullException.ThrowIfNull(operation);
        var token = TestReport.Resolve(cancellationToken);
        using var gate = new ManualResetEventSlim(false);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = count;
        var started = new TaskCompletionSource<Task<T>>[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            var start = started[i] = new TaskCompletionSource<Task<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => RunWhenReleased(gate, ready, ref waiting, start, () => Invoke(operation, index, token)))
            {
                IsBackground = true,
                Name = string.Create(CultureInfo.InvariantCulture, $"LiveFixtures race #{index}"),
            };
            try
            {
                thread.Start();
            }
            catch
            {
                // Release the threads already started, so that none is left blocked on the gate.
                gate.Set();
                throw;
            }
        }

        await ready.Task.ConfigureAwait(false);
        gate.Set();
        var tasks = await Task.WhenAll(started.Select(s => s.Task)).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (tasks.All(t => t.IsCompleted))
        {
            // Every failure is collected below.
        }

        return new RaceResult<T>([.. tasks.Select((t, i) => Outcome(i, t))]);
    }

    /// <summary>Runs operations without a result released together by a start gate and collects how each ended.</summary>
    /// <param name="count">How many operations to start.</param>
    /// <param name="operation">The operation, given its index (from 0) and a token cancelled when the caller's token is.</param>
    /// <param name="cancellationToken">The token passed to the operations; defaults to the current test's token.</param>
    /// <returns>How every operation ended; the results are <see langword="null"/>.</returns>
    public static Task<RaceResult<object?>> StartTogetherAsync(
        int count, Func<int, CancellationToken, Task> operation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return StartTogetherAsync<object?>(
            count,
            async (index, token) =>
            {
                await operation(index, token).ConfigureAwait(false);
                return null;
            },
            cancellationToken);
    }

    /// <summary>Runs on a race thread: reports readiness, blocks on the gate, then starts the operation; never throws.</summary>
    [SuppressMessage("Design", "CA1031", Justification = "An exception on a dedicated thread would crash the test process; it becomes the outcome instead.")]
    private static void RunWhenReleased<T>(
        ManualResetEventSlim gate, TaskCompletionSource ready, ref int waiting, TaskCompletionSource<Task<T>> start, Func<Task<T>> invoke)
    {
        try
        {
            if (Interlocked.Decrement(ref waiting) == 0)
            {
                ready.TrySetResult();
            }

            gate.Wait();
            start.TrySetResult(invoke());
        }
        catch (Exception exception)
        {
            start.TrySetResult(Task.FromException<T>(exception));
        }
    }

    [SuppressMessage("Design", "CA1031", Justification = "A synchronous throw is collected as the operation's outcome.")]
    private static Task<T> Invoke<T>(Func<int, CancellationToken, Task<T>> operation, int index, CancellationToken token)
    {
        try
        {
            return operation(index, token) ?? Task.FromException<T>(new InvalidOperationException("The operation returned a null task."));
        }
        catch (OperationCanceledException canceled)
        {
            var source = new TaskCompletionSource<T>();
            source.TrySetCanceled(canceled.CancellationToken);
            return source.Task;
        }
        catch (Exception exception)
        {
            return Task.FromException<T>(exception);
        }
    }

    private static RaceOutcome<T> Outcome<T>(int index, Task<T> task)
    {
        switch (task.Status)
        {
            case TaskStatus.RanToCompletion:
                return new(index, task.Status, task.Result, null);
            case TaskStatus.Faulted:
                var error = task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerExceptions[0] : task.Exception;
                return new(index, task.Status, default, error);
            default:
                try
                {
                    task.GetAwaiter().GetResult();
                    return new(index, task.Status, default, null);
                }
                catch (OperationCanceledException canceled)
                {
                    return new(index, task.Status, default, canceled);
                }
        }
    }
}
