using FluentAssertions;
using FluentAssertions.Execution;
using FluentAssertions.Primitives;

namespace LiveFixtures.FluentAssertions;

/// <summary>Asserts on a <see cref="LiveProcess"/> handle.</summary>
public sealed class LiveProcessAssertions : ReferenceTypeAssertions<LiveProcess, LiveProcessAssertions>
{
    /// <summary>Initializes a new instance for <paramref name="subject"/>.</summary>
    /// <param name="subject">The handle.</param>
    public LiveProcessAssertions(LiveProcess subject)
        : base(subject)
    {
    }

    /// <inheritdoc/>
    protected override string Identifier => "live process";

    /// <summary>Asserts that the handle is Ready.</summary>
    /// <param name="because">Why it should be.</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LiveProcessAssertions> BeReady(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(Subject.State == LiveProcessState.Ready)
            .FailWith($"Expected {{context:live process}} '{Esc(Subject.Name)}' to be Ready{{reason}}, but it is {Subject.State}{Esc(LastDeath())}.");
        return new AndConstraint<LiveProcessAssertions>(this);
    }

    /// <summary>Asserts that the current generation's process is running (Ready or Degraded, not exited).</summary>
    /// <param name="because">Why it should be.</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LiveProcessAssertions> BeAlive(string because = "", params object[] becauseArgs)
    {
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(Subject.ProcessId is not null)
            .FailWith($"Expected {{context:live process}} '{Esc(Subject.Name)}' to be alive{{reason}}, but it is {Subject.State}{Esc(LastDeath())}.");
        return new AndConstraint<LiveProcessAssertions>(this);
    }

    /// <summary>Asserts that the last generation exited with <paramref name="exitCode"/>.</summary>
    /// <param name="exitCode">The expected exit code (on Unix, 128 + n for a death by signal n).</param>
    /// <param name="because">Why it should have.</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<LiveProcessAssertions> HaveExitedWith(int exitCode, string because = "", params object[] becauseArgs)
    {
        var death = Subject.Deaths.LastOrDefault(d => d.ExitCode is not null);
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(death is not null)
            .FailWith($"Expected {{context:live process}} '{Esc(Subject.Name)}' to have exited with code {exitCode}{{reason}}, but no generation has exited (state {Subject.State}).")
            .Then
            .ForCondition(death?.ExitCode == exitCode)
            .FailWith($"Expected {{context:live process}} '{Esc(Subject.Name)}' to have exited with code {exitCode}{{reason}}, but generation {death?.Generation} ended with {Esc(death?.DescribeCause())}.");
        return new AndConstraint<LiveProcessAssertions>(this);
    }

    internal static string Esc(string? text) => (text ?? "").Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);

    private string LastDeath() =>
        Subject.Deaths.Count == 0 ? "" : $"; last death: {Subject.Deaths[^1].DescribeCause()}";
}
