using System.Globalization;
using Observation = LiveFixtures.Timing.WaitRun.Observation;

namespace LiveFixtures.Timing;

/// <summary>
/// Waits for conditions without sleeping, and stops early: <c>EventuallyAsync</c> until a condition holds or an
/// assertion stops throwing, <c>ConsistentlyAsync</c> while it must keep holding for a whole window.
/// </summary>
/// <remarks>
/// <para>Probes run on a Polly exponential backoff (5 ms doubling up to 100 ms by default) timed by
/// <see cref="WaitOptions.TimeProvider"/>. An exception from a probe counts as "does not hold" and its
/// message is kept as an observation; failure messages show the latest observations with their times.</para>
/// <para>A wait stops at once, failing with a <see cref="TimingAssertionException"/>, when a probe throws
/// <see cref="StopWaitingException"/> or when something in <see cref="WaitOptions.Watch"/> dies.</para>
/// </remarks>
public static partial class Wait
{
    /// <summary>Waits until a condition returns <see langword="true"/>.</summary>
    /// <param name="condition">The condition; an exception it throws counts as <see langword="false"/>.</param>
    /// <param name="options">The timeout, backoff, clock and watched things; defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the wait; defaults to the current test's token.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    /// <exception cref="TimingAssertionException">The condition did not hold in time, the probe stopped the wait, or a watched thing died.</exception>
    public static Task EventuallyAsync(Func<bool> condition, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitRun.EventuallyAsync(_ => ValueTask.FromResult(Condition(condition())), options, cancellationToken);
    }

    /// <summary>Waits until an asynchronous condition returns <see langword="true"/>.</summary>
    /// <param name="condition">The condition, given a token that is cancelled when the wait ends; an exception it throws counts as <see langword="false"/>.</param>
    /// <param name="options">The timeout, backoff, clock and watched things; defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the wait; defaults to the current test's token.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    /// <exception cref="TimingAssertionException">The condition did not hold in time, the probe stopped the wait, or a watched thing died.</exception>
    public static Task EventuallyAsync(Func<CancellationToken, Task<bool>> condition, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitRun.EventuallyAsync(async ct => Condition(await condition(ct).ConfigureAwait(false)), options, cancellationToken);
    }

    /// <summary>Waits until an assertion stops throwing.</summary>
    /// <param name="assertion">The assertion; the message of what it throws is kept as an observation.</param>
    /// <param name="options">The timeout, backoff, clock and watched things; defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the wait; defaults to the current test's token.</param>
    /// <returns>A task that completes when the assertion passes.</returns>
    /// <exception cref="TimingAssertionException">The assertion kept failing, the probe stopped the wait, or a watched thing died.</exception>
    public static Task EventuallyAsync(Action assertion, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return WaitRun.EventuallyAsync(
            _ =>
            {
                assertion();
                return ValueTask.FromResult(Passed);
            },
            options,
            cancellationToken);
    }

    /// <summary>Waits until an asynchronous assertion stops throwing.</summary>
    /// <param name="assertion">The assertion, given a token that is cancelled when the wait ends; the message of what it throws is kept as an observation.</param>
    /// <param name="options">The timeout, backoff, clock and watched things; defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the wait; defaults to the current test's token.</param>
    /// <returns>A task that completes when the assertion passes.</returns>
    /// <exception cref="TimingAssertionException">The assertion kept failing, the probe stopped the wait, or a watched thing died.</exception>
    public static Task EventuallyAsync(Func<CancellationToken, Task> assertion, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        return WaitRun.EventuallyAsync(
            async ct =>
            {
                await assertion(ct).ConfigureAwait(false);
                return Passed;
            },
            options,
            cancellationToken);
    }

    /// <summary>Probes a value until it satisfies a predicate, and returns that value.</summary>
    /// <typeparam name="T">The type of the probed value.</typeparam>
    /// <param name="probe">The probe, given a token that is cancelled when the wait ends; an exception it throws is kept as an observation.</param>
    /// <param name="until">The predicate the value must satisfy.</param>
    /// <param name="options">The timeout, backoff, clock and watched things; defaults to <see cref="WaitOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the wait; defaults to the current test's token.</param>
    /// <returns>The first probed value that satisfies <paramref name="until"/>.</returns>
    /// <exception cref="TimingAssertionException">No value satisfied the predicate in time, the probe stopped the wait, or a watched thing died.</exception>
    public static async Task<T> EventuallyAsync<T>(
        Func<CancellationToken, Task<T>> probe, Func<T, bool> until, WaitOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(until);
        var value = await WaitRun.EventuallyAsync(
            async ct =>
            {
                var value = await probe(ct).ConfigureAwait(false);
                return new Observation(until(value), Show(value), value);
            },
            options,
            cancellationToken).ConfigureAwait(false);
        return (T)value!;
    }

    private static Observation Passed { get; } = new(true, "passed", null);

    private static Observation Condition(bool holds) => new(holds, holds ? "true" : "false", null);

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        string text => "\"" + Durations.Truncate(text, 200) + "\"",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => Durations.Truncate(Durations.OneLine(value.ToString() ?? string.Empty), 200),
    };
}
