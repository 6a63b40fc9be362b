namespace LiveFixtures.Timing;

/// <summary>
/// Asserts that an operation completes within a deadline; at the deadline it cancels the operation, gives it a
/// grace period to stop, and fails saying by how much it missed and whether it stopped or leaked.
/// </summary>
public static class Deadline
{
    /// <summary>Runs an operation and asserts that it completes within a deadline.</summary>
    /// <param name="deadline">How long the operation may take, on the options' clock.</param>
    /// <param name="operation">The operation, given a token that is cancelled at the deadline (and when the test is aborted).</param>
    /// <param name="options">The clock, grace and name; defaults to <see cref="DeadlineOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <returns>A task that completes like the operation, when it completed in time.</returns>
    /// <exception cref="TimingAssertionException">The operation was still running at the deadline.</exception>
    public static async Task CompleteWithinAsync(
        TimeSpan deadline, Func<CancellationToken, Task> operation, DeadlineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var task = await RunAsync(deadline, operation, options, cancellationToken).ConfigureAwait(false);
        await task.ConfigureAwait(false);
    }

    /// <summary>Runs an operation and asserts that it completes within a deadline, returning its result.</summary>
    /// <typeparam name="T">The type of the operation's result.</typeparam>
    /// <param name="deadline">How long the operation may take, on the options' clock.</param>
    /// <param name="operation">The operation, given a token that is cancelled at the deadline (and when the test is aborted).</param>
    /// <param name="options">The clock, grace and name; defaults to <see cref="DeadlineOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <returns>The operation's result, when it completed in time.</returns>
    /// <exception cref="TimingAssertionException">The operation was still running at the deadline.</exception>
    public static async Task<T> CompleteWithinAsync<T>(
        TimeSpan deadline, Func<CancellationToken, Task<T>> operation, DeadlineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var task = await RunAsync(deadline, operation, options, cancellationToken).ConfigureAwait(false);
        if (task is Task<T> typed)
        {
            return await typed.ConfigureAwait(false);
        }

        await task.ConfigureAwait(false);
        throw new InvalidOperationException("The operation's task has no result.");
    }

    /// <summary>Runs the operation until it completes within the deadline (returning its task) or fails the assertion.</summary>
    private static async Task<Task> RunAsync(TimeSpan deadline, Func<CancellationToken, Task> operation, DeadlineOptions? options, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(deadline, TimeSpan.Zero);
        options ??= new DeadlineOptions();
        options.Validate();
        var caller = TestReport.Resolve(cancellationToken);
        var clock = options.TimeProvider;
        var name = options.OperationName;
        using var atDeadline = new CancellationTokenSource();
        using var operationToken = CancellationTokenSource.CreateLinkedTokenSource(caller, atDeadline.Token);
        var started = clock.GetTimestamp();
        var task = CancellationOutcome.Start(operation, operationToken.Token);
        await CancellationOutcome.WaitForEndAsync(task, deadline, clock, caller, $"Deadline.CompleteWithinAsync ({Durations.MidSentence(name)}, {Durations.Format(deadline)})").ConfigureAwait(false);
        if (task.IsCompleted)
        {
            return task;
        }

        var outside = (clock as VirtualTimeProvider)?.WaitsOutsideTheClock();
        var cancelledAt = clock.GetTimestamp();
        try
        {
            await CancellationOutcome.CancelAndLetReactAsync(atDeadline, task, clock, caller).ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            // A throwing cancellation callback is the operation's problem; the outcome below still tells what happened.
        }

        await CancellationOutcome.WaitForEndAsync(task, options.Grace, clock, caller).ConfigureAwait(false);
        var afterCancel = clock.GetElapsedTime(cancelledAt);
        var total = clock.GetElapsedTime(started);
        if (!task.IsCompleted)
        {
            CancellationOutcome.Abandon(task);
            throw new TimingAssertionException(
                $"{name} missed its {Durations.Format(deadline)} deadline and leaked: it was cancelled at the deadline but was still running " +
                $"{Durations.Format(afterCancel)} later (grace {Durations.Format(options.Grace)}), so it missed by more than {Durations.Format(total - deadline)}. " +
                "It ignores its cancellation token and is still running in the background: pass the token to every await and loop check.");
        }

        if (task.Status == TaskStatus.RanToCompletion)
        {
            throw new TimingAssertionException(
                $"{name} missed its {Durations.Format(deadline)} deadline by {Durations.Format(total - deadline)}: it completed {Durations.Format(total)} after it started, " +
                $"without observing the cancellation of its token at the deadline. Make it faster, or give it a longer deadline if {Durations.Format(total)} is expected; " +
                "and pass its token to the awaits that should stop at the deadline.");
        }

        if (outside is not null)
        {
            throw new TimingAssertionException(
                $"{name} did not complete within its {Durations.Format(deadline)} virtual deadline, but not because it is slow: when the deadline passed, {outside}. " +
                $"Virtual time ran to the deadline at once, and it stopped {Durations.Format(afterCancel)} after it was cancelled (ended {CancellationOutcome.Ending(task)}). " +
                "Give that wait the VirtualTimeProvider too, so that it moves with the test's time.",
                task.IsFaulted ? task.Exception!.GetBaseException() : null);
        }

        throw new TimingAssertionException(
            $"{name} did not complete within its {Durations.Format(deadline)} deadline: it was still running at the deadline, and stopped " +
            $"{Durations.Format(afterCancel)} after it was cancelled (ended {CancellationOutcome.Ending(task)}). It honours cancellation, so its speed is the problem: " +
            "make it faster, or give it a longer deadline.",
            task.IsFaulted ? task.Exception!.GetBaseException() : null);
    }
}
