using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LiveFixtures.Timing;

/// <summary>Starts several operations at the same instant, to provoke races, and collects every result and exception.</summary>
/// <remarks>
/// <para>What it can provoke: a race with an await (or any other point where the thread lets go) between the check and the
/// act: all operations reach the check before any reaches the act, in one round.</para>
/// <para>What it cannot force: a race with no await in between (a check-then-act on one thread's straight-line code). Only the
/// operating system's scheduler can interleave that, on another core or by preempting the thread in a window of nanoseconds;
/// no library scheduler can. <see cref="RaceOptions"/> makes it more likely (more rounds, a time budget, a stagger), never certain:
/// a passing race test does not prove such code correct. Use a lock or an atomic operation, and review it.</para>
/// </remarks>
public static class Race
{
    /// <summary>Runs operations released together by a start gate and collects how each ended.</summary>
    /// <typeparam name="T">The type of the operations' result.</typeparam>
    /// <param name="count">How many operations to start.</param>
    /// <param name="operation">The operation, given its index (from 0) and a token cancelled when the caller's token is.</param>
    /// <param name="cancellationToken">The token passed to the operations; defaults to the current test's token.</param>
    /// <returns>How every operation ended, never throwing for an operation's failure.</returns>
    /// <remarks>Each operation gets its own thread, which blocks on one gate until all are ready; opening the gate releases them together, and each then runs until its first asynchronous wait on that thread.</remarks>
    public static Task<RaceResult<T>> StartTogetherAsync<T>(
        int count, Func<int, CancellationToken, Task<T>> operation, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentNullException.ThrowIfNull(operation);
        return RoundAsync(count, operation, TestReport.Resolve(cancellationToken));
    }

    /// <summary>Runs rounds of operations released together by a start gate, until one round has a failure or the options' rounds or time budget run out: a best effort, never a guarantee, for races that have no await between the check and the act.</summary>
    /// <typeparam name="T">The type of the operations' result.</typeparam>
    /// <param name="count">How many operations to start in each round.</param>
    /// <param name="operation">The operation, given its index (from 0) and a token cancelled when the caller's token is; it must set up its own shared state for each round.</param>
    /// <param name="options">The rounds, the time budget and the stagger.</param>
    /// <param name="cancellationToken">The token passed to the operations; defaults to the current test's token.</param>
    /// <returns>The first round in which an operation failed, or the last round; <see cref="RaceResult{T}.Round"/> says which.</returns>
    [SuppressMessage("Security", "CA5394", Justification = "The stagger only varies interleavings; it needs no secure randomness.")]
    public static async Task<RaceResult<T>> StartTogetherAsync<T>(
        int count, Func<int, CancellationToken, Task<T>> operation, RaceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var token = TestReport.Resolve(cancellationToken);
        var started = TimeProvider.System.GetTimestamp();
        var racer = options.Stagger
            ? (index, ct) =>
            {
                Thread.SpinWait(Random.Shared.Next(0, 2_000));
                return operation(index, ct);
            }
            : operation;
        for (var round = 1; ; round++)
        {
            var result = await RoundAsync(count, racer, token).ConfigureAwait(false);
            result.Round = round;
            var budgetLeft = options.TimeBudget is not { } budget || TimeProvider.System.GetElapsedTime(started) < budget;
            if (result.Outcomes.Any(o => !o.Succeeded) || round >= options.Rounds || !budgetLeft)
            {
                return result;
            }
        }
    }

    private static async Task<RaceResult<T>> RoundAsync<T>(int count, Func<int, CancellationToken, Task<T>> operation, CancellationToken token)
    {
        using var gate = new ManualResetEventSlim(false);
        var barrier = new FirstAwaitBarrier();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = count;
        var started = new TaskCompletionSource<Task<T>>[count];
        for (var i = 0; i < count; i++)
        {
            var index = i;
            var start = started[i] = new TaskCompletionSource<Task<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => RunWhenReleased(gate, barrier, ready, ref waiting, start, () => Invoke(operation, index, token)))
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
        Task<T>[] tasks;
        try
        {
            tasks = await Task.WhenAll(started.Select(s => s.Task)).ConfigureAwait(false);
        }
        finally
        {
            barrier.Release(); // Every racer has reached its first await: now their continuations may run.
        }

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
        ManualResetEventSlim gate, FirstAwaitBarrier barrier, TaskCompletionSource ready, ref int waiting, TaskCompletionSource<Task<T>> start, Func<Task<T>> invoke)
    {
        SynchronizationContext.SetSynchronizationContext(barrier);
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

    /// <summary>
    /// The racers' synchronization context: continuations that resume on it are held until every racer has returned from
    /// its synchronous part (reached its first await), then run on the pool. So every racer passes its check before any
    /// reaches its act, for code that resumes on the captured context (not <c>ConfigureAwait(false)</c>).
    /// </summary>
    private sealed class FirstAwaitBarrier : SynchronizationContext
    {
        private readonly Lock _gate = new();
        private readonly List<(SendOrPostCallback Callback, object? State)> _held = [];
        private bool _released;

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_gate)
            {
                if (!_released)
                {
                    _held.Add((d, state));
                    return;
                }
            }

            ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
        }

        public override SynchronizationContext CreateCopy() => this;

        public void Release()
        {
            List<(SendOrPostCallback Callback, object? State)> held;
            lock (_gate)
            {
                _released = true;
                held = [.. _held];
                _held.Clear();
            }

            foreach (var (callback, state) in held)
            {
                ThreadPool.QueueUserWorkItem(static s => s.callback(s.state), (callback, state), preferLocal: false);
            }
        }
    }
}
