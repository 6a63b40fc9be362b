using System.Text;

namespace LiveFixtures;

/// <summary>
/// Prints the end-of-run summary, one line per fixture (<see cref="RunHealth.SummaryLines"/>), on the test host's standard
/// error when the process exits: after xUnit's own summary when the test executable is run directly, and in the
/// "Error output" that <c>dotnet test</c> on Microsoft Testing Platform shows for a run that failed. For a passing run,
/// <c>dotnet test</c> lists the lines as file names instead (<see cref="Extensibility.RunSummaryFiles"/>).
/// </summary>
/// <remarks>
/// The real standard error, not <see cref="Console.Error"/>: a suite that captures console output
/// (<c>[assembly: CaptureConsole]</c>) must not swallow it. Nothing is printed when no fixture started.
/// </remarks>
internal static class RunSummary
{
    /// <summary>The first line of the block, which a reader (or a script) looks for.</summary>
    public const string Heading = "LiveFixtures run summary:";

    private static int _registered;

    /// <summary>Prints the summary when the process exits; once per process however often it is called.</summary>
    public static void PrintAtExit()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Print();
        }
    }

    /// <summary>Formats the block: the heading, then each line indented; empty when there are no lines.</summary>
    public static string Format(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder().Append(Heading).Append('\n');
        foreach (var line in lines)
        {
            text.Append("  ").Append(line).Append('\n');
        }

        return text.ToString();
    }

    private static void Print()
    {
        var text = Format(RunHealth.SummaryLines());
        if (text.Length == 0)
        {
            return;
        }

        if (DecisionTrace.IsOn)
        {
            DecisionTrace.Write("summary", text.TrimEnd('\n'));
        }

        try
        {
            using var error = Console.OpenStandardError();
            error.Write(Encoding.UTF8.GetBytes(text));
            error.Flush();
        }
        catch (IOException)
        {
            // Standard error is closed (its reader went away): the health snapshot in the run store still has it.
        }
    }
}
