using System.Text;
using LiveFixtures.Extensibility;
using LiveFixtures.Records;
using Xunit;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>
/// The end-of-run summary as files named after its lines: what <c>dotnet test</c> on Microsoft Testing Platform lists
/// (the package's extension publishes them; eng/check-package.sh checks the console of a real run).
/// </summary>
public sealed class RunSummaryFilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"livefixtures-summary-files-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Write_Lines_OneFilePerFixtureNamedAfterItsLineHoldingTheWholeSummary()
    {
        string[] lines = ["LiveGui: 2 generations, 1 death — CrashTests.Crash, exit code 134 (SIGABRT)", "Db: 1 generation, 0 deaths"];

        var files = RunSummaryFiles.Write(_directory, lines, "20261201-120304-4242-ab12cd");

        var folder = Path.Combine(_directory, "LiveFixtures-summary-20261201-120304-4242-ab12cd");
        Assert.Equal([Path.Combine(folder, lines[0] + ".txt"), Path.Combine(folder, lines[1] + ".txt")], files);
        Assert.All(files, f => Assert.Equal(RunSummary.Format(lines), File.ReadAllText(f)));
        Assert.Equal(2, Directory.GetFiles(folder).Length);
    }

    [Fact]
    public void Write_NoFixtureStarted_WritesNothing()
    {
        Assert.Empty(RunSummaryFiles.Write(_directory, [], "run"));
        Assert.False(Directory.Exists(_directory));
    }

    [Fact]
    public void Write_LongLineWithSlashes_MakesAFileTheSystemTakes()
    {
        var line = "LiveGui: 9 generations, 8 deaths — " + string.Join("; ", Enumerable.Range(1, 8).Select(i =>
            $"Suite.Tests.Test_{i}_DoesSomethingLong, alive but degraded: GET http://127.0.0.1:5000/health answered 503"));

        var file = Assert.Single(RunSummaryFiles.Write(_directory, [line], "run"));

        Assert.True(File.Exists(file));
        var name = Path.GetFileName(file);
        Assert.True(Encoding.UTF8.GetByteCount(name) <= RunSummaryFiles.MaxNameBytes, $"{Encoding.UTF8.GetByteCount(name)} bytes: {name}");
        Assert.StartsWith("LiveGui: 9 generations, 8 deaths — Suite.Tests.Test_1_DoesSomethingLong, alive but degraded: GET http:∕∕127.0.0.1:5000∕health", name, StringComparison.Ordinal);
        Assert.EndsWith("….txt", name, StringComparison.Ordinal);
        Assert.Equal(RunSummary.Format([line]), File.ReadAllText(file));
    }

    [Fact]
    public void Write_TwoLinesCutToTheSameName_NumbersTheSecond()
    {
        var head = new string('x', 400);

        var files = RunSummaryFiles.Write(_directory, [head + " one", head + " two"], "run");

        Assert.Equal(2, files.Distinct().Count());
        Assert.All(files, f => Assert.True(File.Exists(f)));
    }

    [Theory]
    [InlineData("LiveGui: 1 generation, 0 deaths", "LiveGui: 1 generation, 0 deaths")]
    [InlineData("Api: degraded: GET /health\ttimed out\n", "Api: degraded: GET ∕health timed out")]
    [InlineData("a\\b", "a∕b")]
    [InlineData("..", "fixture")]
    public void FileName_Line_ReadsAsTheLine(string line, string expected) => Assert.Equal(expected, RunSummaryFiles.FileName(line, 200));

    [Fact]
    public void FileName_CutInsideAMultiByteCharacter_KeepsWholeCharacters()
    {
        var name = RunSummaryFiles.FileName(new string('—', 100), 20);

        Assert.Equal(new string('—', 5) + "…", name);
        Assert.True(Encoding.UTF8.GetByteCount(name) <= 20);
    }

    [Fact]
    public void Write_ThisRunsFixtures_ListsEachFixtureOfTheTestHost()
    {
        // RunHealth holds the whole test host's fixtures: a name of this test's own.
        var fixture = $"RunSummaryFilesTests{Guid.NewGuid():N}";
        RunHealth.Update(fixture, "run", h => h.Generations++);

        var files = RunSummaryFiles.Write(_directory);

        var file = Assert.Single(files, f => Path.GetFileName(f).StartsWith(fixture, StringComparison.Ordinal));
        Assert.Equal($"{fixture}: 1 generation, 0 deaths.txt", Path.GetFileName(file));
        Assert.Contains($"  {fixture}: 1 generation, 0 deaths\n", File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_NoDirectory_Throws() => Assert.Throws<ArgumentException>(() => RunSummaryFiles.Write(""));
}
