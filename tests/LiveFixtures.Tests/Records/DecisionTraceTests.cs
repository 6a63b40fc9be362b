using LiveFixtures.Records;
using Xunit;

namespace LiveFixtures.Tests.Records;

/// <summary>
/// The trace file's writing: whole lines under parallel writers. What the library traces is checked on a real run of the
/// example suite (Fixtures/SuiteRunTests, which sets LIVEFIXTURES_TRACE).
/// </summary>
public sealed class DecisionTraceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lf-trace-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task Append_TwoDescriptorsWrittenFromManyThreads_KeepsEveryLineWhole()
    {
        // Two descriptors stand for two test hosts sharing one file: without O_APPEND each would write at its own offset
        // and overwrite the other's lines.
        var path = Path.Combine(_folder, "trace.log");
        var first = DecisionTrace.OpenAppend(path, out var problem);
        var second = DecisionTrace.OpenAppend(path, out _);
        Assert.True(first >= 0 && second >= 0, problem);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(
                () =>
                {
                    for (var line = 0; line < 500; line++)
                    {
                        DecisionTrace.Append(writer % 2 == 0 ? first : second, DecisionTrace.Line("test", $"writer {writer} line {line} {new string('x', 300)}"));
                    }
                },
                TestContext.Current.CancellationToken)));
        }
        finally
        {
            DecisionTrace.Close(first);
            DecisionTrace.Close(second);
        }

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(8 * 500, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pid \d+ \[test\] writer \d line \d+ x{300}$", l));
        Assert.Equal(8 * 500, lines.Select(l => l[l.IndexOf("writer", StringComparison.Ordinal)..]).Distinct().Count());
    }

    [Fact]
    public void Line_TextOfSeveralLines_IsWrittenAsOneLine()
    {
        var line = System.Text.Encoding.UTF8.GetString(DecisionTrace.Line("state", "died: exit code 134\nLast output:\r\n  IM_ASSERT failed"));

        Assert.EndsWith("[state] died: exit code 134 | Last output: |   IM_ASSERT failed\n", line, StringComparison.Ordinal);
        Assert.Single(line, '\n');
    }

    [Fact]
    public void OpenAppend_FolderThatCannotBeMade_FailsNamingTheVariable()
    {
        var file = Path.Combine(_folder, "a-file");
        File.WriteAllText(file, "");

        var descriptor = DecisionTrace.OpenAppend(Path.Combine(file, "trace.log"), out var problem);

        Assert.Equal(-1, descriptor);
        Assert.StartsWith($"LIVEFIXTURES_TRACE={Path.Combine(file, "trace.log")}: ", problem, StringComparison.Ordinal);
    }
}
