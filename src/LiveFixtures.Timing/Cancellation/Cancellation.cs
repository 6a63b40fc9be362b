namespace LiveFixtures.Timing;

/// <summary>
/// Asserts that an operation honours its <see cref="CancellationToken"/>: it ends Canceled, with the right
/// token, within a budget, and does nothing when the token is cancelled before it starts.
/// </summary>
/// <remarks>
/// <para><b>What counts as honouring cancellation.</b> The operation's task must end <see cref="TaskStatus.Canceled"/>
/// (not Faulted with a wrapped <see cref="OperationCanceledException"/>, not completed normally), and the
/// <see cref="OperationCanceledException"/> (or <see cref="TaskCanceledException"/>) it ends with must carry:</para>
/// <list type="bullet">
/// <item>the token the operation was given, or</item>
/// <item>when <see cref="CancellationOptions.AcceptLinkedTokens"/> is true (the default), another token that is
/// cancelled by the time the operation ended, provided the operation was still running when the given token was
/// cancelled. This accepts tokens linked from the given one (<see cref="CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, CancellationToken)"/>),
/// which cannot be compared with it. A token cannot tell which source cancelled it, so this also accepts another
/// token cancelled after the given one; set the option to false to require the given token exactly.</item>
/// </list>
/// <para>A token that is <see cref="CancellationToken.None"/> or was never cancelled is always rejected.</para>
/// </remarks>
public static partial class Cancellation
{
    /// <summary>Cancels a running operation and asserts that it ends Canceled, with its token, within the budget.</summary>
    /// <param name="operation">The operation, given the token that will be cancelled.</param>
    /// <param name="trigger">When to cancel; defaults to <see cref="CancelTrigger.Immediately"/>.</param>
    /// <param name="options">The budget, clock and token rule; defaults to <see cref="CancellationOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <returns>How long the operation took to end after its token was cancelled, on the options' clock.</returns>
    /// <exception cref="TimingAssertionException">The operation ended before the cancellation, ended in the wrong way or with the wrong token, or did not end within the budget.</exception>
    public static async Task<TimeSpan> ObserveAsync(
        Func<CancellationToken, Task> operation, CancelTrigger? trigger = null, CancellationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        trigger ??= CancelTrigger.Immediately;
        options ??= new CancellationOptions();
        options.Validate();
        var caller = TestReport.Resolve(cancellationToken);
        var clock = options.TimeProvider;
        var name = options.OperationName;
        using var source = new CancellationTokenSource();
        var task = CancellationOutcome.Start(operation, source.Token);
        long cancelledAt;
        using (await trigger.WaitAsync(clock, task, caller).ConfigureAwait(false))
        {
            if (task.IsCompleted)
            {
                throw new TimingAssertionException(
                    $"{name} ended {CancellationOutcome.Ending(task)} before its token was cancelled ({trigger.Description}), so the test shows nothing about cancellation. " +
                    "Cancel earlier (CancelTrigger.Immediately), or make it wait on something that only cancellation ends.",
                    task.Exception?.GetBaseException());
            }

            cancelledAt = clock.GetTimestamp();
            await CancelAsync(source, task, clock, name, caller).ConfigureAwait(false);
        }

        await CancellationOutcome.WaitForEndAsync(task, options.Budget, clock, caller, $"Cancellation.ObserveAsync ({Durations.MidSentence(name)}, budget {Durations.Format(options.Budget)})").ConfigureAwait(false);
        var took = clock.GetElapsedTime(cancelledAt);
        if (!task.IsCompleted)
        {
            CancellationOutcome.Abandon(task);
            throw new TimingAssertionException(
                $"{name} was still running {Durations.Format(took)} after its token was cancelled ({trigger.Description}); its budget is {Durations.Format(options.Budget)}. " +
                "It does not observe its token in time: pass the token to every await and loop check, or raise CancellationOptions.Budget if it needs longer to clean up.");
        }

        if (CancellationOutcome.Explain(task, options.AcceptLinkedTokens, name, source.Token) is { } verdict)
        {
            throw new TimingAssertionException(
                $"{verdict.Problem} It ended {Durations.Format(took)} after its token was cancelled ({trigger.Description}). {verdict.Fix}",
                task.Exception?.GetBaseException());
        }

        if (took > options.Budget)
        {
            throw new TimingAssertionException(
                $"{name} ended Canceled, but {Durations.Format(took)} after its token was cancelled ({trigger.Description}), over its budget of {Durations.Format(options.Budget)}. " +
                "Observe the token sooner (in loops and before long steps), or raise CancellationOptions.Budget if the clean-up really takes that long.");
        }

        return took;
    }

    /// <summary>Asserts that an operation given an already-cancelled token ends at once, Canceled, with that token.</summary>
    /// <param name="operation">The operation, given a token that is already cancelled.</param>
    /// <param name="options">The budget, clock and token rule; defaults to <see cref="CancellationOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <returns>A task that completes when the assertion has passed.</returns>
    /// <exception cref="TimingAssertionException">The operation did not end at once, or ended in the wrong way or with the wrong token.</exception>
    public static Task HonoursPreCancelledTokenAsync(
        Func<CancellationToken, Task> operation, CancellationOptions? options = null, CancellationToken cancellationToken = default) =>
        HonoursPreCancelledTokenAsync(operation, static () => 0, options, cancellationToken);

    /// <summary>Asserts that an operation given an already-cancelled token ends at once, Canceled, with that token, and without side effects.</summary>
    /// <typeparam name="T">The type of the value the side-effect probe reads.</typeparam>
    /// <param name="operation">The operation, given a token that is already cancelled.</param>
    /// <param name="sideEffects">A probe read before and after the operation, such as a count of writes; the two readings must be equal.</param>
    /// <param name="options">The budget, clock and token rule; defaults to <see cref="CancellationOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <returns>A task that completes when the assertion has passed.</returns>
    /// <exception cref="TimingAssertionException">The operation did not end at once, ended in the wrong way or with the wrong token, or had side effects.</exception>
    public static async Task HonoursPreCancelledTokenAsync<T>(
        Func<CancellationToken, Task> operation, Func<T> sideEffects, CancellationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(sideEffects);
        options ??= new CancellationOptions();
        options.Validate();
        var caller = TestReport.Resolve(cancellationToken);
        var name = options.OperationName;
        using var source = new CancellationTokenSource();
        await source.CancelAsync().ConfigureAwait(false);
        var before = sideEffects();
        var started = options.TimeProvider.GetTimestamp();
        Task task;
        using ((options.TimeProvider as VirtualTimeProvider)?.Hold())
        {
            task = CancellationOutcome.Start(operation, source.Token);
            await CancellationOutcome.LetReactAsync(task, caller).ConfigureAwait(false);
        }

        await CancellationOutcome.WaitForEndAsync(task, options.PreCancelledBudget, options.TimeProvider, caller, $"Cancellation.HonoursPreCancelledTokenAsync ({Durations.MidSentence(name)}, budget {Durations.Format(options.PreCancelledBudget)})").ConfigureAwait(false);
        var took = options.TimeProvider.GetElapsedTime(started);
        var problems = new List<string>();
        if (!task.IsCompleted)
        {
            CancellationOutcome.Abandon(task);
            problems.Add(
                $"{name} was still running {Durations.Format(took)} after it was called with an already-cancelled token (budget {Durations.Format(options.PreCancelledBudget)}): " +
                "it starts work before it looks at its token. Check the token first, with cancellationToken.ThrowIfCancellationRequested().");
        }
        else if (CancellationOutcome.Explain(task, options.AcceptLinkedTokens, name, source.Token) is { } verdict)
        {
            problems.Add($"{verdict.Problem} Its token was cancelled before it was called. {verdict.Fix}");
        }

        var after = sideEffects();
        if (!EqualityComparer<T>.Default.Equals(before, after))
        {
            problems.Add(
                $"{name} had side effects although its token was cancelled before it was called: the side-effect probe read {before} before and {after} after. " +
                "Check the token before the first side effect.");
        }

        if (problems.Count > 0)
        {
            throw new TimingAssertionException(string.Join(Environment.NewLine, problems), task.IsFaulted ? task.Exception!.GetBaseException() : null);
        }
    }

    private static async Task CancelAsync(CancellationTokenSource source, Task task, TimeProvider clock, string name, CancellationToken cancellationToken)
    {
        try
        {
            await CancellationOutcome.CancelAndLetReactAsync(source, task, clock, cancellationToken).ConfigureAwait(false);
        }
        catch (AggregateException error)
        {
            throw new TimingAssertionException(
                $"A callback registered on the token of {Durations.MidSentence(name)} threw when the token was cancelled: {Durations.Describe(error.GetBaseException())}. " +
                "Cancellation callbacks must not throw; catch the error inside the callback.",
                error);
        }
    }
}
