using System.Globalization;
using System.Text;
using LiveFixtures.Output;
using Xunit;

namespace LiveFixtures;

/// <summary>Tells tests what happened to their process: warnings, output lines, attachments and diagnostics.</summary>
internal static class Notices
{
    private const int WarningTailLines = 10;

    /// <summary>Tells the first test on a new generation what killed the previous one.</summary>
    public static string Respawned(string name, DeathRecord previous, LiveGeneration generation, LiveGeneration? previousGeneration)
    {
        var logName = $"{name}-gen{previous.Generation}.log";
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{name} (generation {previous.Generation}, pid {previous.ProcessId}) {Verb(previous)}");
        var when = previous.DescribeWhen();
        text.Append(when.Length == 0 ? "" : " " + when);
        text.Append(CultureInfo.InvariantCulture, $": {previous.DescribeCause()} at {previous.At:HH:mm:ss.fff}.").AppendLine();
        text.AppendLine("Last output:").AppendLine(OutputLog.Format(Last(previous.OutputTail)));
        text.Append(CultureInfo.InvariantCulture, $"This test starts on generation {generation.Number} (pid {generation.ProcessId}), a fresh process.");
        if (previousGeneration is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" The full output of generation {previous.Generation} is attached as {logName}.");
        }

        var message = text.ToString();
        Tell(message, Headline(name, $"respawned gen{generation.Number} after gen{previous.Generation} {Verb(previous)} {previous.DescribeCause()}"));
        TestContext.Current.SendDiagnosticMessage($"{name}: respawned as generation {generation.Number} (pid {generation.ProcessId}) after generation {previous.Generation} {Verb(previous)}: {previous.DescribeCause()}.");
        if (previousGeneration is not null)
        {
            Attach(logName, previousGeneration.Output.Tail(int.MaxValue));
        }

        return message;
    }

    /// <summary>Tells the first test that uses a fixture what an earlier run left running and what this run did about it.</summary>
    public static string Leftovers(string name, string sweep, LiveGeneration generation)
    {
        var message = $"{sweep.TrimEnd()}{Environment.NewLine}This test starts on generation {generation.Number} (pid {generation.ProcessId}) of this run.";
        var context = TestContext.Current;
        context.AddWarning(message);
        context.TestOutputHelper?.WriteLine(message);
        context.SendDiagnosticMessage($"{name}: {sweep.Split(Environment.NewLine)[0]}");
        return message;
    }

    /// <summary>Tells the test during which the process died or degraded, and attaches its output.</summary>
    public static string DiedDuringTest(string name, DeathRecord death, IReadOnlyList<OutputLine> slice, OutputLog full, string? thisTest = null)
    {
        var sliceName = $"{name}-gen{death.Generation}-this-test.log";
        var fullName = $"{name}-gen{death.Generation}.log";
        var facts = new List<string>();
        if (death.TimeIntoTest is { } into && death.TestsInFlight.Count <= 1)
        {
            facts.Add($"{DeathRecord.Span(into)} into it");
        }

        if (death.PreviousTestName is { } previous)
        {
            facts.Add($"{DeathRecord.Span(death.TimeAfterPreviousTest)} after '{previous}' ended");
        }

        var others = death.TestsInFlight.Where(t => t != thisTest).ToList();
        if (others.Count > 0)
        {
            facts.Add($"also in flight on this process: {string.Join(", ", others.Select(t => $"'{t}'"))}");
        }

        var when = facts.Count == 0 ? "" : $" ({string.Join("; ", facts)})";
        var message =
            $"{name} (generation {death.Generation}, pid {death.ProcessId}) {Verb(death)} during this test{when}: {death.DescribeCause()} at {death.At.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}.{Environment.NewLine}" +
            $"Last output:{Environment.NewLine}{OutputLog.Format(Last(death.OutputTail))}{Environment.NewLine}" +
            $"The next test that needs it starts on a fresh process. This test's output is attached as {sliceName}, the whole generation's as {fullName}.";
        Tell(message, Headline(name, $"gen{death.Generation} {Verb(death)} during this test {death.DescribeCause()}"));
        TestContext.Current.SendDiagnosticMessage($"{name}: generation {death.Generation} {Verb(death)} during '{death.TestName}': {death.DescribeCause()}.");
        Attach(sliceName, slice);
        Attach(fullName, full.Tail(int.MaxValue));
        return message;
    }

    /// <summary>
    /// Gives the current test a notice through every channel a runner shows: a warning (the test executable run directly,
    /// VSTest's console, the XML report), the test's output (<c>--output Detailed</c>, test explorers), and an attachment
    /// named after what happened, holding the whole notice, because <c>dotnet test</c> on Microsoft Testing Platform lists
    /// each test's attachments by default while it shows neither warnings nor the output of a passing test.
    /// </summary>
    private static void Tell(string message, string headline)
    {
        var context = TestContext.Current;
        context.AddWarning(message);
        context.TestOutputHelper?.WriteLine(message);
        try
        {
            context.AddAttachment(headline, message, replaceExistingValue: true);
        }
        catch (InvalidOperationException)
        {
            // Outside a test, or after its attachments were collected: the warning still tells the story.
        }

        if (DecisionTrace.IsOn)
        {
            DecisionTrace.Write("notice", $"told '{context.Test?.TestDisplayName ?? "(no test)"}': {message}");
        }
    }

    /// <summary>
    /// Makes the name of the notice's attachment, which runners turn into a file name and list: "LiveGui-NOTICE-gen2-died-
    /// during-this-test-exit-code-134-SIGABRT", "LiveGui-NOTICE-respawned-gen3-after-gen2-died-exit-code-134-SIGABRT".
    /// Letters and digits only, joined by dashes, at most 120 characters (a long cause is cut).
    /// </summary>
    internal static string Headline(string name, string what)
    {
        var text = new StringBuilder();
        foreach (var c in $"{name} NOTICE {what}")
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != '-')
            {
                text.Append('-');
            }
        }

        var headline = text.ToString().TrimEnd('-');
        return headline.Length <= 120 ? headline : headline[..120].TrimEnd('-');
    }

    /// <summary>Attaches lines of output to the current test, if it can still take attachments.</summary>
    public static void Attach(string attachmentName, IReadOnlyList<OutputLine> lines)
    {
        try
        {
            TestContext.Current.AddAttachment(attachmentName, string.Join('\n', lines.Select(l => l.ToString())), replaceExistingValue: true);
        }
        catch (InvalidOperationException)
        {
            // Outside a test, or after its attachments were collected: the warning still tells the story.
        }
    }

    /// <summary>Sends fixture-level events (start, respawn, stop, budget exhausted) to the diagnostic sink.</summary>
    public static void Diagnostic(string name, LiveProcessStateChangedEventArgs change)
    {
        var text = change.Current switch
        {
            LiveProcessState.Starting => $"starting generation {change.Generation}",
            LiveProcessState.Ready => $"generation {change.Generation} is ready{(change.Detail is null ? "" : "; " + change.Detail)}",
            LiveProcessState.Dead => $"generation {change.Generation} died",
            LiveProcessState.Degraded => $"generation {change.Generation} is degraded",
            LiveProcessState.Stopped => $"stopped generation {change.Generation}",
            LiveProcessState.Faulted => $"restart budget used up; failing fast",
            _ => null,
        };
        if (text is not null)
        {
            TestContext.Current.SendDiagnosticMessage($"{name}: {text}");
        }
    }

    private static string Verb(DeathRecord death) => death.Cause == DeathCause.Degraded ? "degraded" : "died";

    private static IReadOnlyList<OutputLine> Last(IReadOnlyList<OutputLine> lines) =>
        lines.Count <= WarningTailLines ? lines : lines.Skip(lines.Count - WarningTailLines).ToList();
}
