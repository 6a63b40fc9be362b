using System.Diagnostics;
using System.Text.Json;
using LiveFixtures.Records;
using LiveFixtures.Tests.Records;
using Xunit;

namespace LiveFixtures.Tool.Tests;

/// <summary>
/// The livefixtures commands run in-process against a temporary store, as the program runs them (the same root command,
/// parsed and invoked), with their output and exit codes checked. LiveFixtures.Tests/Records/ToolTests runs the built
/// program end to end.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Commands_OnAMissingStore_SayThereIsNothingAndSucceed()
    {
        foreach (var (command, expected) in new[] { ("ps", "No generations recorded in"), ("reap", "Nothing to reap"), ("prune", "Nothing older than 7d to prune."), ("health", "No health snapshots in") })
        {
            var result = Run(command);

            Assert.True(result.ExitCode == Cli.Ok, $"{command}: {result}");
            Assert.Contains(expected, result.Output, StringComparison.Ordinal);
            Assert.Equal("", result.Errors);
        }
    }

    [Fact]
    public void Ps_ALiveProcessOfADeadRun_IsListedAsLeftoverWithItsPorts()
    {
        var run = TempStore.DeadRun("run-a", DateTimeOffset.UtcNow.AddHours(-2));
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 1, Process = new ProcessIdentity { Pid = int.MaxValue - 9 }, Status = "died", Started = run.Started });
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 2, Process = ProcessIdentity.Of(Environment.ProcessId)!, Status = "running", Ports = new() { ["port"] = 8999, ["admin"] = 9001 }, Started = run.Started });
        _temp.Store.Write(run);

        var result = Run("ps");

        Assert.Equal(Cli.Ok, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("FIXTURE", lines[0], StringComparison.Ordinal);
        var dead = Assert.Single(lines, l => l.Contains($"{int.MaxValue - 9}", StringComparison.Ordinal));
        Assert.Matches(@"^LiveGui\s+1\s+\d+\s+died\s+no\s+run-a\s+2h\s+$", dead);
        var leftover = Assert.Single(lines, l => l.Contains($" {Environment.ProcessId} ", StringComparison.Ordinal));
        Assert.Matches(@"LEFTOVER\s+yes\s+run-a\s+2h\s+port=8999,admin=9001$", leftover);
    }

    [Fact]
    public void Ps_Json_ListsEveryGenerationWithWhetherItAndItsHostAreAlive()
    {
        var run = TempStore.DeadRun("run-j", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "App", Generation = 3, Process = ProcessIdentity.Of(Environment.ProcessId)!, Status = "running", Started = run.Started });
        _temp.Store.Write(run);

        var result = Run("ps", "--json");

        using var document = JsonDocument.Parse(result.Output);
        var row = Assert.Single(document.RootElement.EnumerateArray().ToList());
        Assert.Equal("App", row.GetProperty("fixture").GetString());
        Assert.Equal(3, row.GetProperty("generation").GetInt32());
        Assert.True(row.GetProperty("alive").GetBoolean());
        Assert.False(row.GetProperty("hostAlive").GetBoolean());
    }

    [Fact]
    public void Ps_CorruptRecord_WarnsOnOneLineMovesItAsideAndListsTheRest()
    {
        var run = TempStore.DeadRun("ok", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "Fine", Generation = 1, Process = new ProcessIdentity { Pid = int.MaxValue - 9 }, Status = "stopped", Started = run.Started });
        _temp.Store.Write(run);
        File.WriteAllText(Path.Combine(_temp.Store.RunsDirectory, "bad.json"), "not json");

        var result = Run("ps");

        Assert.Equal(Cli.Ok, result.ExitCode);
        Assert.StartsWith("livefixtures: warning: The LiveFixtures record", result.Errors, StringComparison.Ordinal);
        Assert.Single(result.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(result.Output.Split('\n'), l => l.StartsWith("Fine", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(_temp.Store.CorruptDirectory));
    }

    [Fact(Timeout = 60_000)]
    public async Task Reap_LeftoverOfADeadRun_DryRunStopsNothingThenReapStopsItAndRecordsIt()
    {
        using var sleep = Process.Start(new ProcessStartInfo("sleep", ["60"]))!;
        try
        {
            var run = TempStore.DeadRun("dead", DateTimeOffset.UtcNow);
            run.Generations.Add(new GenerationRecord { Fixture = "App", Generation = 3, Cookie = "c", Process = ProcessIdentity.Of(sleep.Id)!, Started = DateTimeOffset.UtcNow });
            _temp.Store.Write(run);

            var dry = Run("reap", "--dry-run");
            Assert.Equal(Cli.Ok, dry.ExitCode);
            Assert.StartsWith($"would stop App generation 3 (pid {sleep.Id}) of run dead (host pid ", dry.Output, StringComparison.Ordinal);
            Assert.Single(dry.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(sleep.HasExited);

            var reap = Run("reap");
            Assert.True(reap.ExitCode == Cli.Ok, reap.ToString());
            Assert.StartsWith($"App generation 3 (pid {sleep.Id}) of run dead", reap.Output, StringComparison.Ordinal);
            Assert.EndsWith(": stopped.", reap.Output.Trim(), StringComparison.Ordinal);
            await sleep.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal("reaped", Assert.Single(_temp.Store.Read("dead")!.Generations).Status);
            Assert.Contains("Nothing to reap", Run("reap").Output, StringComparison.Ordinal);
        }
        finally
        {
            if (!sleep.HasExited)
            {
                sleep.Kill();
            }
        }
    }

    [Fact]
    public void Prune_RunsThatEndedLongerAgo_AreDeletedWithTheirHealthAndTheRecentOnesKept()
    {
        var old = TempStore.DeadRun("old", DateTimeOffset.UtcNow.AddDays(-3));
        old.Ended = old.Started;
        _temp.Store.Write(old);
        _temp.Store.WriteHealth("old", new FixtureHealth { Fixture = "LiveGui", RunId = "old", Final = true });
        var recent = TempStore.DeadRun("recent", DateTimeOffset.UtcNow.AddHours(-1));
        recent.Ended = recent.Started;
        _temp.Store.Write(recent);

        var result = Run("prune", "--older-than", "2d");

        Assert.Equal(Cli.Ok, result.ExitCode);
        Assert.Equal("Pruned 1 run(s): old.", result.Output.Trim());
        Assert.Null(_temp.Store.Read("old"));
        Assert.NotNull(_temp.Store.Read("recent"));
        Assert.Empty(_temp.Store.ReadHealth("old"));
    }

    [Fact]
    public void Prune_BadAge_FailsWithOneLineSayingWhatToWrite()
    {
        var result = Run("prune", "--older-than", "soon");

        Assert.Equal(Cli.Failed, result.ExitCode);
        Assert.Equal("livefixtures: 'soon' is not an age: write a number followed by d, h, m or s, such as 7d or 12h.", result.Errors.Trim());
    }

    [Theory]
    [InlineData("7d", 7 * 24 * 60)]
    [InlineData("12h", 12 * 60)]
    [InlineData("30m", 30)]
    [InlineData("90s", 1.5)]
    [InlineData("0.5h", 30)]
    public void ParseAge_NumberAndUnit_IsThatLong(string text, double minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), Cli.ParseAge(text));

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("7")]
    [InlineData("7w")]
    [InlineData("-1d")]
    public void ParseAge_NotAnAge_ThrowsSayingWhatToWrite(string text) =>
        Assert.Contains("write a number followed by d, h, m or s", Assert.Throws<FormatException>(() => Cli.ParseAge(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void Logs_LatestOrChosenGeneration_PrintsItsLogFile()
    {
        var run = TempStore.DeadRun("r", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 1, LogFile = Log("gen1.log", "first generation\n"), Status = "died", Started = DateTimeOffset.UtcNow.AddMinutes(-2) });
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 2, LogFile = Log("gen2.log", "IM_ASSERT failed\n"), Status = "died", Started = DateTimeOffset.UtcNow.AddMinutes(-1) });
        _temp.Store.Write(run);

        Assert.Equal("IM_ASSERT failed\n", Run("logs", "LiveGui").Output);
        Assert.Equal("first generation\n", Run("logs", "LiveGui", "--generation", "1").Output);
    }

    [Fact]
    public void Logs_NoSuchGenerationOrNoLogKept_FailsSayingWhy()
    {
        var run = TempStore.DeadRun("r", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "NoLog", Generation = 1, Status = "stopped", Started = DateTimeOffset.UtcNow });
        run.Generations.Add(new GenerationRecord { Fixture = "Gone", Generation = 1, LogFile = Path.Combine(_temp.Parent, "deleted.log"), Status = "died", Started = DateTimeOffset.UtcNow });
        _temp.Store.Write(run);

        var missing = Run("logs", "Nope", "--generation", "4");
        var noLog = Run("logs", "NoLog");
        var gone = Run("logs", "Gone");

        Assert.Equal(Cli.Failed, missing.ExitCode);
        Assert.Contains("no generation 4 of 'Nope' is recorded", missing.Errors, StringComparison.Ordinal);
        Assert.Equal(Cli.Failed, noLog.ExitCode);
        Assert.Contains("generation 1 of 'NoLog' kept no log file;", noLog.Errors, StringComparison.Ordinal);
        // The fix it names is a real builder method (WithLogFile does not exist).
        Assert.Contains("WithLogDirectory(dir)", noLog.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("WithLogFile", noLog.Errors, StringComparison.Ordinal);
        Assert.Equal(Cli.Failed, gone.ExitCode);
        Assert.Contains("deleted.log is gone", gone.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public void Health_SnapshotsOfARun_PrintsTheirSummaryLinesOrJson()
    {
        _temp.Store.WriteHealth("r9", new FixtureHealth
        {
            Fixture = "LiveGui", RunId = "r9", State = "Stopped", Generations = 2, Respawns = 1, Final = true,
            Deaths = [new HealthDeath { Generation = 1, Cause = "exit code 134 (SIGABRT)", Test = "CrashingTests.Crash_KillsTheSharedApp" }],
        });
        _temp.Store.WriteHealth("r9", new FixtureHealth { Fixture = "Db", RunId = "r9", State = "Ready", Generations = 1 });

        var text = Run("health", "--run", "r9");
        var json = Run("health", "--run", "r9", "--json");
        var other = Run("health", "--run", "r10");

        Assert.Equal(Cli.Ok, text.ExitCode);
        Assert.Contains("LiveGui: 2 generations, 1 death — CrashingTests.Crash_KillsTheSharedApp, exit code 134 (SIGABRT) (run r9, Stopped, final)", text.Output, StringComparison.Ordinal);
        Assert.Contains("Db: 1 generation, 0 deaths (run r9, Ready, in progress)", text.Output, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(["Db", "LiveGui"], document.RootElement.EnumerateArray().Select(e => e.GetProperty("fixture").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("No health snapshots for run r10.", other.Output.Trim());
    }

    [Fact]
    public void Help_NamesEveryCommandAndTheStoreVariable()
    {
        var result = Invoke(["--help"], out var output, out _);

        Assert.Equal(Cli.Ok, result);
        Assert.Contains("$LIVEFIXTURES_STATE_DIR", output, StringComparison.Ordinal);
        foreach (var command in new[] { "ps", "reap", "prune", "logs", "health" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Commands_WithoutStoreOption_UseTheStateDirectoryVariableElseXdgStateHome()
    {
        // The variables are the process's own: this class's tests run one at a time, and only this one reads them.
        var run = TempStore.DeadRun("from-variable", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "Found", Generation = 1, Process = new ProcessIdentity { Pid = int.MaxValue - 9 }, Status = "stopped", Started = run.Started });
        _temp.Store.Write(run);
        var xdg = Path.Combine(_temp.Parent, "xdg");
        var saved = (State: Environment.GetEnvironmentVariable(StateDirectory.Variable), Xdg: Environment.GetEnvironmentVariable("XDG_STATE_HOME"));
        try
        {
            Environment.SetEnvironmentVariable(StateDirectory.Variable, _temp.Store.Root);
            Invoke(["ps"], out var fromVariable, out _);
            Environment.SetEnvironmentVariable(StateDirectory.Variable, null);
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", xdg);
            Invoke(["ps"], out var fromXdg, out _);

            Assert.Contains(fromVariable.Split('\n'), l => l.StartsWith("Found", StringComparison.Ordinal));
            Assert.Equal($"No generations recorded in {Path.Combine(xdg, "livefixtures")}.", fromXdg.Trim());
        }
        finally
        {
            Environment.SetEnvironmentVariable(StateDirectory.Variable, saved.State);
            Environment.SetEnvironmentVariable("XDG_STATE_HOME", saved.Xdg);
        }
    }

    private string Log(string name, string text)
    {
        var path = Path.Combine(_temp.Parent, name);
        File.WriteAllText(path, text);
        return path;
    }

    private CliResult Run(params string[] arguments)
    {
        var code = Invoke(["--store", _temp.Store.Root, .. arguments], out var output, out var errors);
        return new CliResult(code, output, errors);
    }

    private static int Invoke(string[] arguments, out string output, out string errors)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = Cli.Build(stdout, stderr).Parse(arguments).Invoke(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr });
        output = stdout.ToString().ReplaceLineEndings("\n");
        errors = stderr.ToString().ReplaceLineEndings("\n");
        return code;
    }

    private sealed record CliResult(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Errors}";
    }
}
