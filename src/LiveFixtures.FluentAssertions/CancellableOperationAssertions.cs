using System.Diagnostics.CodeAnalysis;
using FluentAssertions;
using FluentAssertions.Execution;
using LiveFixtures.Timing;

namespace LiveFixtures.FluentAssertions;

/// <summary>Asserts on a cancellable operation, <c>Func&lt;CancellationToken, Task&gt;</c>, through the timing helpers.</summary>
/// <param name="subject">The operation.</param>
/// <remarks>
/// A failure is reported through FluentAssertions: inside an <see cref="AssertionScope"/> it is collected with the
/// scope's other failures (the assertion then returns normally); outside one it throws FluentAssertions' exception.
/// The message is the timing helper's own, which names the cause and the fix.
/// </remarks>
public sealed class CancellableOperationAssertions(Func<CancellationToken, Task> subject)
{
    /// <summary>Gets the operation under assertion.</summary>
    public Func<CancellationToken, Task> Subject { get; } = subject;

    /// <summary>Asserts that the operation completes within <paramref name="deadline"/>, as <see cref="Deadline.CompleteWithinAsync(TimeSpan, Func{CancellationToken, Task}, DeadlineOptions?, CancellationToken)"/> does.</summary>
    /// <param name="deadline">The deadline, on the options' clock.</param>
    /// <param name="options">The clock, grace and name; defaults to <see cref="DeadlineOptions"/>'s defaults (the system clock).</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <param name="because">Why it should, a phrase that FluentAssertions puts after "because".</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    [SuppressMessage("Design", "CA1068", Justification = "FluentAssertions' convention ends every assertion with because and params becauseArgs; the token comes right before them.")]
    public async Task<AndConstraint<CancellableOperationAssertions>> CompleteWithinAsync(
        TimeSpan deadline, DeadlineOptions? options = null, CancellationToken cancellationToken = default, string because = "", params object[] becauseArgs)
    {
        try
        {
            await Deadline.CompleteWithinAsync(deadline, Subject, options, cancellationToken).ConfigureAwait(false);
        }
        catch (TimingAssertionException failure)
        {
            Fail($"to complete within {deadline}", failure, because, becauseArgs);
        }

        return new AndConstraint<CancellableOperationAssertions>(this);
    }

    /// <summary>Asserts that the operation, cancelled at <paramref name="trigger"/>, ends Canceled with its token within <paramref name="within"/>, as <see cref="Cancellation.ObserveAsync"/> does.</summary>
    /// <param name="within">How soon it must end after the cancellation (the options' budget).</param>
    /// <param name="trigger">When to cancel; defaults to <see cref="CancelTrigger.Immediately"/>.</param>
    /// <param name="options">The clock, token rule and name (its budget is replaced by <paramref name="within"/>); defaults to <see cref="CancellationOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <param name="because">Why it should, a phrase that FluentAssertions puts after "because".</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    [SuppressMessage("Design", "CA1068", Justification = "FluentAssertions' convention ends every assertion with because and params becauseArgs; the token comes right before them.")]
    public async Task<AndConstraint<CancellableOperationAssertions>> ObserveCancellationWithinAsync(
        TimeSpan within, CancelTrigger? trigger = null, CancellationOptions? options = null, CancellationToken cancellationToken = default, string because = "", params object[] becauseArgs)
    {
        var budgeted = new CancellationOptions
        {
            Budget = within,
            PreCancelledBudget = options?.PreCancelledBudget ?? new CancellationOptions().PreCancelledBudget,
            TimeProvider = options?.TimeProvider ?? TimeProvider.System,
            AcceptLinkedTokens = options?.AcceptLinkedTokens ?? true,
            OperationName = options?.OperationName ?? new CancellationOptions().OperationName,
        };
        try
        {
            await Cancellation.ObserveAsync(Subject, trigger, budgeted, cancellationToken).ConfigureAwait(false);
        }
        catch (TimingAssertionException failure)
        {
            Fail($"to observe its cancellation ({(trigger ?? CancelTrigger.Immediately).Description}) within {within}", failure, because, becauseArgs);
        }

        return new AndConstraint<CancellableOperationAssertions>(this);
    }

    /// <summary>Asserts that the operation, called with an already-cancelled token, ends at once, Canceled, with that token, as <see cref="Cancellation.HonoursPreCancelledTokenAsync(Func{CancellationToken, Task}, CancellationOptions?, CancellationToken)"/> does.</summary>
    /// <param name="options">The budget, clock, token rule and name; defaults to <see cref="CancellationOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the assertion; defaults to the current test's token.</param>
    /// <param name="because">Why it should, a phrase that FluentAssertions puts after "because".</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    [SuppressMessage("Design", "CA1068", Justification = "FluentAssertions' convention ends every assertion with because and params becauseArgs; the token comes right before them.")]
    public async Task<AndConstraint<CancellableOperationAssertions>> HonourAPreCancelledTokenAsync(
        CancellationOptions? options = null, CancellationToken cancellationToken = default, string because = "", params object[] becauseArgs)
    {
        try
        {
            await Cancellation.HonoursPreCancelledTokenAsync(Subject, options, cancellationToken).ConfigureAwait(false);
        }
        catch (TimingAssertionException failure)
        {
            Fail("to honour an already-cancelled token", failure, because, becauseArgs);
        }

        return new AndConstraint<CancellableOperationAssertions>(this);
    }

    /// <summary>Reports the helper's failure through FluentAssertions, so that an <see cref="AssertionScope"/> collects it.</summary>
    private static void Fail(string expectation, TimingAssertionException failure, string because, object[] becauseArgs) =>
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .FailWith(LiveProcessAssertions.Esc($"Expected the operation {expectation}") + "{reason}" + LiveProcessAssertions.Esc(", but: " + failure.Message));
}
