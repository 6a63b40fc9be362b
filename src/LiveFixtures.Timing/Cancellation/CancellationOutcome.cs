using System.Diagnostics.CodeAnalysis;

namespace LiveFixtures.Timing;

/// <summary>Judges how a cancelled operation ended: the rule shared by every cancellation assertion.</summary>
internal static class CancellationOutcome
{
    /// <summary>Calls the operation, turning a synchronous throw into the task an async method would have returned.</summary>
    [SuppressMessage("Design", "CA1031", Justification = "A synchronous throw is an outcome to judge, like a faulted task.")]
    public static Task Start(Func<CancellationToken, Task> operation, CancellationToken token)
    {
        try
        {
            return operation(token) ?? Task.FromException(new InvalidOperationException("The operation returned a null task."));
        }
        catch (OperationCanceledException canceled)
        {
            var source = new TaskCompletionSource();
            source.TrySetCanceled(canceled.CancellationToken);
            return source.Task;
        }
        catch (Exception exception)
        {
            return Task.FromException(exception);
        }
    }

    /// <summary>Marks the exception of a task that is left running as observed, so that it cannot surface later as unobserved.</summary>
    public static void Abandon(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>Gets how long, in real time, a cancelled operation may take to react while a virtual clock is held for it.</summary>
    public static TimeSpan ReactionTime { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Cancels the source and, on a virtual clock, holds the clock until the task has reacted (ended, or not within
    /// <see cref="ReactionTime"/> of real time). Since .NET 8 a cancelled <c>Task.Delay</c> resumes its awaiter on the
    /// thread pool, so without the hold an auto-advance could run virtual time past the reaction.
    /// </summary>
    /// <exception cref="AggregateException">A callback registered on the token threw.</exception>
    public static async Task CancelAndLetReactAsync(CancellationTokenSource source, Task task, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var hold = (clock as VirtualTimeProvider)?.Hold();
        await source.CancelAsync().ConfigureAwait(false);
        if (hold is not null)
        {
            await LetReactAsync(task, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits up to <see cref="ReactionTime"/> of real time for the task to end, whatever its outcome.</summary>
    [SuppressMessage("Design", "CA1031", Justification = "The outcome of the task is judged by the caller, not here.")]
    public static async Task LetReactAsync(Task task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted)
        {
            return;
        }

        try
        {
            await task.WaitAsync(ReactionTime, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // It needs more than a reaction: virtual time may move on.
        }
        catch (Exception) when (task.IsCompleted)
        {
            // It ended; the caller judges how.
        }
    }

    /// <summary>Waits until the task ends or the budget runs out on the clock, whichever is first.</summary>
    /// <remarks>
    /// On a virtual clock the budget's timer is the library's own (it does not count as a step of the code under test),
    /// the clock is held from the instant the budget runs out until this method returns (the caller's next step then
    /// runs before any other timer can fire), and a clock that nobody advances fails fast (see <see cref="VirtualTimeProvider.StallTimeout"/>).
    /// </remarks>
    public static async Task WaitForEndAsync(Task task, TimeSpan budget, TimeProvider clock, CancellationToken cancellationToken, string? what = null)
    {
        if (task.IsCompleted)
        {
            return;
        }

        var virtualClock = clock as VirtualTimeProvider;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hold = new ClockHold(virtualClock);
        VirtualTimeProvider.OwnTimers("the assertion's budget");
        var delay = Task.Delay(budget, clock, stop.Token);
        VirtualTimeProvider.UserTimers();
        _ = delay.ContinueWith(static (_, h) => ((ClockHold)h!).Take(), hold, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        var ended = Task.WhenAny(task, delay);
        if (virtualClock is not null)
        {
            await virtualClock.WaitAdvancedAsync(ended, what ?? "The assertion, for its " + Durations.Format(budget) + " budget,", stop.Token).ConfigureAwait(false);
        }

        await ended.ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Returns null when a completed task ended Canceled with an acceptable token; otherwise what is wrong and how to fix it.</summary>
    public static Verdict? Explain(Task task, bool acceptLinkedTokens, string name, CancellationToken given) => task.Status switch
    {
        TaskStatus.RanToCompletion => new(
            $"{name} completed normally although its token was cancelled, instead of ending Canceled: it swallowed the cancellation.",
            "Let the OperationCanceledException propagate (or call cancellationToken.ThrowIfCancellationRequested()), so that callers can tell a cancelled run from a finished one."),
        TaskStatus.Faulted => ExplainFault(task.Exception!, name),
        TaskStatus.Canceled => ExplainToken(task, acceptLinkedTokens, name, given),
        _ => throw new InvalidOperationException("The task has not completed."),
    };

    /// <summary>Describes how a completed task ended, in a few words.</summary>
    public static string Ending(Task task) => task.Status switch
    {
        TaskStatus.RanToCompletion => "normally",
        TaskStatus.Canceled => "Canceled",
        TaskStatus.Faulted => $"Faulted ({Durations.Describe(task.Exception!.GetBaseException())})",
        _ => task.Status.ToString(),
    };

    private static Verdict ExplainFault(AggregateException exception, string name)
    {
        var inner = exception.InnerExceptions.Count == 1 ? exception.InnerExceptions[0] : exception;
        if (inner is OperationCanceledException)
        {
            return new(
                $"{name} ended Faulted with an {inner.GetType().Name} instead of ending Canceled: something completed its task with SetException(OperationCanceledException).",
                "Complete it with TrySetCanceled(cancellationToken) instead, or let the exception propagate out of an async method.");
        }

        if (FindCancellation(inner) is { } wrapped)
        {
            return new(
                $"{name} ended Faulted with {Durations.Describe(inner)}, which wraps an {wrapped.GetType().Name}, instead of ending Canceled: wrapping the cancellation turns a cancelled run into a failed one.",
                "Let OperationCanceledException propagate unwrapped, for example with catch (Exception e) when (e is not OperationCanceledException).");
        }

        return new(
            $"{name} ended Faulted with {Durations.Describe(inner)} although its token was cancelled, instead of ending Canceled.",
            "Make it stop with an OperationCanceledException that carries its token, and check that the error is not a real bug exposed by cancellation.");
    }

    private static Verdict? ExplainToken(Task task, bool acceptLinkedTokens, string name, CancellationToken given)
    {
        OperationCanceledException? canceled = null;
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException exception)
        {
            canceled = exception;
        }

        var token = canceled?.CancellationToken ?? CancellationToken.None;
        if (token == given || (acceptLinkedTokens && token.IsCancellationRequested))
        {
            return null;
        }

        var type = canceled?.GetType().Name ?? nameof(OperationCanceledException);
        const string Fix = "Throw with the token it was given (or one linked from it): cancellationToken.ThrowIfCancellationRequested(), or new OperationCanceledException(message, cancellationToken), or pass the token to the await that stops.";
        if (!token.CanBeCanceled)
        {
            return new($"{name} ended Canceled, but its {type} carries no token (CancellationToken.None) instead of the token it was given, so callers cannot tell whose cancellation stopped it.", Fix);
        }

        return token.IsCancellationRequested
            ? new($"{name} ended Canceled with a token other than the one it was given; that token is cancelled, but CancellationOptions.AcceptLinkedTokens is false, so only the given token is accepted.", Fix)
            : new($"{name} ended Canceled, but its {type} carries a token that was never cancelled: neither the token it was given nor one linked from it. It stopped for another source's token.", Fix);
    }

    private static Exception? FindCancellation(Exception exception)
    {
        if (exception is AggregateException aggregate)
        {
            return aggregate.InnerExceptions.Select(FindCancellation).FirstOrDefault(e => e is not null);
        }

        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is OperationCanceledException)
            {
                return inner;
            }

            if (inner is AggregateException nested)
            {
                return FindCancellation(nested);
            }
        }

        return null;
    }

    /// <summary>What is wrong with how an operation ended, and the sentence that says how to fix it.</summary>
    internal sealed record Verdict(string Problem, string Fix);
}
