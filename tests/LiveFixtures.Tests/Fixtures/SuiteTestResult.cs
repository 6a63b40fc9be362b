using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>Holds one test of the example suite as its XML report recorded it.</summary>
internal sealed partial record SuiteTestResult(
    string Class,
    string Name,
    string Result,
    TimeSpan Time,
    string Output,
    string? Failure,
    IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<string, string> Attachments)
{
    /// <summary>Gets the pid the test wrote to its output as "pid N".</summary>
    public int Pid => int.Parse(PidLine().Match(Output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"{Name} wrote no pid:{Environment.NewLine}{Output}"), CultureInfo.InvariantCulture);

    /// <summary>Gets the generation the test wrote to its output as "generation N".</summary>
    public int Generation => int.Parse(GenerationLine().Match(Output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"{Name} wrote no generation:{Environment.NewLine}{Output}"), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^pid (\d+)", RegexOptions.Multiline)]
    private static partial Regex PidLine();

    [GeneratedRegex(@"^pid \d+ generation (\d+)", RegexOptions.Multiline)]
    private static partial Regex GenerationLine();
}
