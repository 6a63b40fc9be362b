using FluentAssertions;
using LiveFixtures.Timing;

namespace LiveFixtures.FluentAssertions;

/// <summary>Asserts on a cancellable operation, <c>Func&lt;CancellationToken, Task&gt;</c>, through the timing helpers.</summary>
/// <param name="subject">The operation.</param>
public sealed class CancellableOperationAssertions(Func<CancellationToken, Task> subject)
{
    /// <summary>Gets the operation under assertion.</summary>
    public Func<CancellationToken, Task> Subject { get; } = subject;

    /// <summary>Asserts that the operation completes within <paramref name="deadline"/> on <paramref name="clock"/>.</summary>
    /// <param name="deadline">The deadline.</param>
    /// <param name="clock">The clock; default the system clock.</param>
    /// <returns>The assertions, for chaining.</returns>
    public async Task<AndConstraint<CancellableOperationAssertions>> CompleteWithinAsync(TimeSpan deadline, TimeProvider? clock = null)
    {
        await Deadline.CompleteWithinAsync(deadline, Subject, new DeadlineOptions { TimeProvider = clock ?? TimeProvider.System }).ConfigureAwait(false);
        return new AndConstraint<CancellableOperationAssertions>(this);
    }

    /// <summary>Asserts that the operation, cancelled as it starts, ends Canceled with our token within <paramref name="within"/>.</summary>
    /// <param name="within">How soon it must end after the cancel.</param>
    /// <param name="clock">The clock; default the system clock.</param>
    /// <returns>The assertions, for chaining.</returns>
    public async Task<AndConstraint<CancellableOperationAssertions>> ObserveCancellationWithinAsync(TimeSpan within, TimeProvider? clock = null)
    {
        await Cancellation.ObserveAsync(Subject, CancelTrigger.Immediately, new CancellationOptions { Budget = within, TimeProvider = clock ?? TimeProvider.System }).ConfigureAwait(false);
        return new AndConstraint<CancellableOperationAssertions>(this);
    }
}
