namespace LiveFixtures.Timing;

/// <summary>Asserts that the stop of an in-process host (an <c>IHostedService.StopAsync</c>) returns promptly once its token says the shutdown is no longer graceful.</summary>
public static class Shutdown
{
    /// <summary>Starts a stop, cancels its token, and asserts that it completes within a budget after the cancellation.</summary>
    /// <param name="stop">The stop delegate, given the token that ends the graceful part of the shutdown.</param>
    /// <param name="budget">How long the stop may take after its token is cancelled.</param>
    /// <param name="options">The clock, when to cancel, and the stop's name; defaults to <see cref="ShutdownOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <returns>How long the stop took after its token was cancelled (zero if it completed before).</returns>
    /// <exception cref="TimingAssertionException">The stop took longer than the budget after cancellation, or failed.</exception>
    /// <remarks>A stop that ends Canceled counts as stopped. When it overruns, the assertion waits up to four times the budget more, to say how long it really took.</remarks>
    public static async Task<TimeSpan> StopsWithinAsync(
        Func<CancellationToken, Task> stop, TimeSpan budget, ShutdownOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stop);
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, TimeSpan.Zero);
        options ??= new ShutdownOptions();
        options.Validate();
        var caller = TestReport.Resolve(cancellationToken);
        var clock = options.TimeProvider;
        var name = options.OperationName;
        using var source = new CancellationTokenSource();
        var task = CancellationOutcome.Start(stop, source.Token);
        if (options.CancelAfter > TimeSpan.Zero)
        {
            await CancellationOutcome.WaitForEndAsync(task, options.CancelAfter, clock, caller).ConfigureAwait(false);
        }

        if (task.IsCompleted)
        {
            ThrowIfFailed(task, name, TimeSpan.Zero);
            return TimeSpan.Zero;
        }

        var cancelledAt = clock.GetTimestamp();
        try
        {
            await CancellationOutcome.CancelAndLetReactAsync(source, task, clock, caller).ConfigureAwait(false);
        }
        catch (AggregateException)
        {
            // A throwing cancellation callback is the stop's problem; its outcome below tells what happened.
        }

        await CancellationOutcome.WaitForEndAsync(task, budget, clock, caller).ConfigureAwait(false);
        var took = clock.GetElapsedTime(cancelledAt);
        if (task.IsCompleted && took <= budget)
        {
            ThrowIfFailed(task, name, took);
            return took;
        }

        await CancellationOutcome.WaitForEndAsync(task, budget * 4, clock, caller).ConfigureAwait(false);
        took = clock.GetElapsedTime(cancelledAt);
        const string Fix = "A stop that ignores its token holds up the host's shutdown: pass the token to the waits inside the stop (for in-flight work, drains, flushes) and return when it is cancelled.";
        if (task.IsCompleted)
        {
            throw new TimingAssertionException(
                $"{name} took {Durations.Format(took)} to complete after its token was cancelled, over its budget of {Durations.Format(budget)}. {Fix}");
        }

        CancellationOutcome.Abandon(task);
        throw new TimingAssertionException(
            $"{name} was still running {Durations.Format(took)} after its token was cancelled (budget {Durations.Format(budget)}); the assertion stopped waiting for it. {Fix}");
    }

    private static void ThrowIfFailed(Task task, string name, TimeSpan took)
    {
        if (task.IsFaulted)
        {
            var error = task.Exception!.GetBaseException();
            throw new TimingAssertionException(
                $"{name} failed {Durations.Format(took)} after its token was cancelled, with {Durations.Describe(error)}. A stop should return (or end Canceled) when its token is cancelled, not fail.",
                error);
        }
    }
}
