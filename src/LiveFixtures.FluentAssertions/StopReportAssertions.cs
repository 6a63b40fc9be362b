using FluentAssertions;
using FluentAssertions.Execution;
using FluentAssertions.Primitives;

namespace LiveFixtures.FluentAssertions;

/// <summary>Asserts on the <see cref="StopReport"/> of a stop.</summary>
public sealed class StopReportAssertions : ReferenceTypeAssertions<StopReport, StopReportAssertions>
{
    /// <summary>Initializes a new instance for <paramref name="subject"/>.</summary>
    /// <param name="subject">The report.</param>
    public StopReportAssertions(StopReport subject)
        : base(subject)
    {
    }

    /// <inheritdoc/>
    protected override string Identifier => "stop report";

    /// <summary>Asserts that the process stopped gracefully (exited after SIGTERM within the grace) within <paramref name="within"/>.</summary>
    /// <param name="within">The longest acceptable stop.</param>
    /// <param name="because">Why it should have.</param>
    /// <param name="becauseArgs">Arguments for <paramref name="because"/>.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<StopReportAssertions> BeGracefulWithin(TimeSpan within, string because = "", params object[] becauseArgs)
    {
        Execute.Assertion
            .BecauseOf(because, becauseArgs)
            .ForCondition(Subject.Outcome == StopOutcome.Graceful)
            .FailWith($"Expected {{context:stop report}} to show a graceful stop{{reason}}, but: {LiveProcessAssertions.Esc(Subject.ToString())}")
            .Then
            .ForCondition(Subject.Duration <= within)
            .FailWith($"Expected {{context:stop report}} to show a stop within {within}{{reason}}, but it took {Subject.Duration}: {LiveProcessAssertions.Esc(Subject.ToString())}");
        return new AndConstraint<StopReportAssertions>(this);
    }

    /// <summary>Asserts that the process exited with one of <paramref name="accepted"/>.</summary>
    /// <param name="accepted">The accepted exit codes.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<StopReportAssertions> HaveExitCode(params int[] accepted)
    {
        Execute.Assertion
            .ForCondition(Subject.ExitCode is { } code && accepted.Contains(code))
            .FailWith($"Expected {{context:stop report}} to show exit code {string.Join(" or ", accepted)}, but: {LiveProcessAssertions.Esc(Subject.ToString())}");
        return new AndConstraint<StopReportAssertions>(this);
    }

    /// <summary>Asserts that the process wrote a line containing <paramref name="text"/> while it stopped.</summary>
    /// <param name="text">The text to look for.</param>
    /// <returns>The assertions, for chaining.</returns>
    public AndConstraint<StopReportAssertions> HaveLogged(string text)
    {
        Execute.Assertion
            .ForCondition(Subject.OutputDuringStop.Any(l => l.Text.Contains(text, StringComparison.Ordinal)))
            .FailWith($"Expected {{context:stop report}} to show the line \"{LiveProcessAssertions.Esc(text)}\" written during the stop, but it wrote:{Environment.NewLine}{LiveProcessAssertions.Esc(OutputLog.Format(Subject.OutputDuringStop))}");
        return new AndConstraint<StopReportAssertions>(this);
    }
}
