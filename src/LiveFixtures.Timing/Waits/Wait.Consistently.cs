namespace LiveFixtures.Timing;

public static partial class Wait
{
    /// <summary>Checks that a condition keeps returning <see langword="true"/> for a whole window, failing at the first time it does not.</summary>
    /// <param name="condition">The condition; an exception it throws counts as <see langword="false"/>.</param>
    /// <param name="duration">The window in which the condition must hold; it is checked again at the end.</param>
    /// <param name="options">The backoff, clock and watched things (the timeout is not used); defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the check; defaults to the current test's token.</param>
    /// <returns>A task that completes when the window has passed with the condition holding.</returns>
    /// <exception cref="TimingAssertionException">The condition stopped holding, the probe stopped the check, or a watched thing died.</exception>
    public static Task ConsistentlyAsync(Func<bool> condition, TimeSpan duration, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitRun.ConsistentlyAsync(_ => ValueTask.FromResult(Condition(condition())), duration, options, cancellationToken);
    }

    /// <summary>Checks that an asynchronous condition keeps returning <see langword="true"/> for a whole window, failing at the first time it does not.</summary>
    /// <param name="condition">The condition, given a token that is cancelled when the check ends; an exception it throws counts as <see langword="false"/>.</param>
    /// <param name="duration">The window in which the condition must hold; it is checked again at the end.</param>
    /// <param name="options">The backoff, clock and watched things (the timeout is not used); defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the check; defaults to the current test's token.</param>
    /// <returns>A task that completes when the window has passed with the condition holding.</returns>
    /// <exception cref="TimingAssertionException">The condition stopped holding, the probe stopped the check, or a watched thing died.</exception>
    public static Task ConsistentlyAsync(
        Func<CancellationToken, Task<bool>> condition, TimeSpan duration, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitRun.ConsistentlyAsync(async ct => Condition(await condition(ct).ConfigureAwait(false)), duration, options, cancellationToken);
    }

    /// <summary>Checks that an assertion keeps passing for a whole window, failing at the first time it throws.</summary>
    /// <param name="assertion">The assertion; the message of what it throws is shown in the failure.</param>
    /// <param name="duration">The window in which the assertion must pass; it is checked again at the end.</param>
    /// <param name="options">The backoff, clock and watched things (the timeout is not used); defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the check; defaults to the current test's token.</param>
    /// <returns>A task that completes when the window has passed with the assertion passing.</returns>
    /// <exception cref="TimingAssertionException">The assertion failed, the probe stopped the check, or a watched thing died.</exception>
    public static Task ConsistentlyAsync(Action assertion, TimeSpan duration, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return WaitRun.ConsistentlyAsync(
            _ =>
            {
                assertion();
                return ValueTask.FromResult(Passed);
            },
            duration,
            options,
            cancellationToken);
    }

    /// <summary>Checks that an asynchronous assertion keeps passing for a whole window, failing at the first time it throws.</summary>
    /// <param name="assertion">The assertion, given a token that is cancelled when the check ends; the message of what it throws is shown in the failure.</param>
    /// <param name="duration">The window in which the assertion must pass; it is checked again at the end.</param>
    /// <param name="options">The backoff, clock and watched things (the timeout is not used); defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the check; defaults to the current test's token.</param>
    /// <returns>A task that completes when the window has passed with the assertion passing.</returns>
    /// <exception cref="TimingAssertionException">The assertion failed, the probe stopped the check, or a watched thing died.</exception>
    public static Task ConsistentlyAsync(
        Func<CancellationToken, Task> assertion, TimeSpan duration, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return WaitRun.ConsistentlyAsync(
            async ct =>
            {
                await assertion(ct).ConfigureAwait(false);
                return Passed;
            },
            duration,
            options,
            cancellationToken);
    }
}
