namespace LiveFixtures.Timing;

/// <summary>Drives one run of a cancellation sweep on its own virtual clock, cancelling at the target step.</summary>
internal static class SweepRun
{
    /// <summary>Runs the operation once; when <paramref name="target"/> is null, only counts its steps.</summary>
    public static async Task<Result> RunAsync(
        Func<CancellationSweepContext, Task> operation, int? target, CancellationSweepOptions options, CancellationToken cancellationToken)
    {
        var clock = new VirtualTimeProvider { MaxSteps = options.MaxSteps };
        using var source = new CancellationTokenSource();
        var context = new CancellationSweepContext(clock, source, target);
        var errors = new List<Exception>();
        var task = CancellationOutcome.Start(_ => operation(context), source.Token);
        ClockFlow.Leave(); // The driver below is not work of the operation: only what the operation started is tracked.
        clock.EnterAdvance();
        try
        {
            var fired = 0;
            long? realStart = null;
            while (true)
            {
                await clock.SettleAsync(cancellationToken).ConfigureAwait(false);
                if (context.CancelPending)
                {
                    await context.CancelFromDriverAsync().ConfigureAwait(false);
                    continue;
                }

                if (task.IsCompleted)
                {
                    return new Result(task, context, errors, null);
                }

                if (context.StepsTaken > options.MaxSteps || fired > options.MaxSteps)
                {
                    CancellationOutcome.Abandon(task);
                    return new Result(task, context, errors, $"it took more than {options.MaxSteps:N0} steps without ending (CancellationSweepOptions.MaxSteps)");
                }

                var limit = context.CancelledAt is { } at ? at.UtcTicks + options.Budget.Ticks : long.MaxValue;
                if (clock.NextDueTicks() is { } due && due <= limit)
                {
                    // Fired on a clock thread, so that what the firing releases goes to the pool's global queue (see ClockThreads).
                    var (firing, held) = await ClockThreads.RunAsync(() => (clock.FireNextOrMoveTo(limit, errors, moveWhenIdle: false, respectHolds: true, out var h), h)).ConfigureAwait(false);
                    if (firing is not null)
                    {
                        fired++;
                    }
                    else if (held)
                    {
                        await clock.WhileHeldAsync(cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                if (context.CancelledAt is null)
                {
                    await clock.WaitForTaskOrTimerAsync(task, "the operation", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // Cancelled, and nothing on the virtual clock is due within the budget: give work that is not on the clock the budget in real time.
                realStart ??= TimeProvider.System.GetTimestamp();
                var remaining = options.Budget - TimeProvider.System.GetElapsedTime(realStart.Value);
                if (remaining <= TimeSpan.Zero)
                {
                    CancellationOutcome.Abandon(task);
                    return new Result(task, context, errors, null);
                }

                try
                {
                    await Task.WhenAny(task, clock.WhenChanged()).WaitAsync(remaining, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Checked at the top of the loop.
                }
            }
        }
        finally
        {
            clock.ExitAdvance();
        }
    }

    /// <summary>How one run went: its task (maybe still running), its context, the timer callbacks' errors, and why the driver gave up, if it did.</summary>
    internal sealed record Result(Task Task, CancellationSweepContext Context, IReadOnlyList<Exception> CallbackErrors, string? GaveUp);
}
