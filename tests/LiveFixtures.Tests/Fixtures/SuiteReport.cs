using System.Globalization;
using System.Xml.Linq;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>Holds one run of the example suite: its exit code, its console output and the tests of its xUnit XML report.</summary>
internal sealed record SuiteReport(int ExitCode, string Console, IReadOnlyList<SuiteTestResult> Tests)
{
    /// <summary>Gets the trace of LiveFixtures' decisions that the run wrote (LIVEFIXTURES_TRACE).</summary>
    public string Trace { get; init; } = "";

    /// <summary>Reads the xUnit v2+ XML report that the in-process runner wrote with <c>-xml</c>.</summary>
    public static SuiteReport Load(string path, int exitCode, string console)
    {
        var tests = XDocument.Load(path).Descendants("test").Select(t => new SuiteTestResult(
            Class: ((string)t.Attribute("type")!).Split('.')[^1],
            Name: (string)t.Attribute("name")!,
            Result: (string)t.Attribute("result")!,
            Time: TimeSpan.FromSeconds(double.Parse((string)t.Attribute("time")!, CultureInfo.InvariantCulture)),
            Output: t.Element("output")?.Value ?? "",
            Failure: t.Element("failure")?.Element("message")?.Value,
            Warnings: [.. t.Element("warnings")?.Elements("warning").Select(w => w.Value) ?? []],
            Attachments: t.Element("attachments")?.Elements("attachment").ToDictionary(a => (string)a.Attribute("name")!, a => a.Value) ?? []));
        return new SuiteReport(exitCode, console, [.. tests]);
    }

    /// <summary>Gets the one test of <paramref name="className"/> (a class of the suite, such as "Class12").</summary>
    public SuiteTestResult Test(string className) => Tests.Single(t => t.Class == className);

    /// <summary>Gets the tests of the shared-app classes Class01, Class02, ... in the order they ran.</summary>
    public IReadOnlyList<SuiteTestResult> SharedTests =>
        [.. Tests.Where(t => t.Class.StartsWith("Class", StringComparison.Ordinal)).OrderBy(t => t.Class, StringComparer.Ordinal)];

    /// <summary>Formats the results, one test a line, for assertion messages.</summary>
    public override string ToString() =>
        $"exit code {ExitCode}; {Tests.Count} tests:{Environment.NewLine}" +
        string.Join(Environment.NewLine, Tests.Select(t => $"  {t.Class} {t.Result} {t.Time.TotalSeconds:0.000} s, {t.Warnings.Count} warnings{(t.Failure is null ? "" : ": " + t.Failure.Split('\n')[0])}"));
}
