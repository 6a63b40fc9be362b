using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveFixtures.Records;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Records;

/// <summary>The run's record log: what a write costs as the history grows, cut lines, and writers of several processes at once.</summary>
public sealed class RecordLogTests : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Flush_CrashLoopOf600Generations_EachWriteCostsTheSameBytesAsTheFirstOnes()
    {
        var recorder = new RunRecorder(_temp.Store, TimeProvider.System, "crash-loop");
        var bytes = new List<long>();
        for (var generation = 1; generation <= 600; generation++)
        {
            // What the handle records for a respawn: the last generation died, the next started (one write), then ready (another).
            var before = WrittenByThisThread();
            Respawn(recorder, generation);
            bytes.Add(WrittenByThisThread() - before);
        }

        // Counted by the kernel for the writing thread: whatever the format rewrites is counted, not what it says it wrote.
        var early = bytes.Skip(5).Take(20).Max();
        var late = bytes.Skip(500).Max();
        Assert.True(early > 0, "the writes were not counted");
        Assert.True(late <= 4096, $"a respawn written after 500 generations wrote {late:N0} bytes (the first ones {early:N0}): the cost of a write grows with the run's history");
        Assert.True(late <= early * 2, $"a respawn written after 500 generations wrote {late:N0} bytes, the first ones {early:N0}");
        Assert.True(recorder.LastWriteBytes <= 4096, $"{recorder.LastWriteBytes:N0} bytes in the last write");

        var run = _temp.Store.Read("crash-loop")!;
        Assert.Equal(Enumerable.Range(1, 600), run.Generations.Select(g => g.Generation));
        Assert.All(run.Generations.Take(599), g => Assert.Equal(("died", 134), (g.Status, g.ExitCode)));
        Assert.NotNull(run.Generations[^1].Ready);
        Assert.Equal("running", run.Generations[^1].Status);
    }

    [Fact]
    public void Read_LogWhoseLastLineWasCutByACrash_LoadsWhatCameBeforeAndAMarkAfterItStillCounts()
    {
        var recorder = new RunRecorder(_temp.Store, TimeProvider.System, "cut");
        for (var generation = 1; generation <= 3; generation++)
        {
            Respawn(recorder, generation);
        }

        var path = _temp.Store.RunPath("cut");
        var whole = File.ReadAllBytes(path);
        var lastLine = Encoding.UTF8.GetString(whole).TrimEnd('\n').Split('\n')[^2];
        File.AppendAllText(path, lastLine[..(lastLine.Length / 2)]); // the host was killed in the middle of a write

        var run = _temp.Store.Read("cut");

        Assert.NotNull(run);
        Assert.Equal([1, 2, 3], run.Generations.Select(g => g.Generation));
        Assert.Equal(["died", "died", "running"], run.Generations.Select(g => g.Status));
        Assert.False(Directory.Exists(_temp.Store.CorruptDirectory));

        // The watchdog (or a later sweep) marks generation 3 after the cut line: its line starts on a line of its own.
        Assert.True(_temp.Store.Mark("cut", [new RecordMark { Fixture = "Crashy", Generation = 3, Cookie = Cookie(3), Status = RecordMark.Reaped, Signal = "SIGKILL", At = DateTimeOffset.UtcNow, By = "a test" }]));

        var marked = _temp.Store.Read("cut")!;
        Assert.Equal(("reaped", "SIGKILL"), (marked.Generations[2].Status, marked.Generations[2].Signal));
        Assert.NotNull(marked.Generations[2].Ended);
        Assert.Equal("a test", marked.SweptBy);
        Assert.Equal("died", marked.Generations[1].Status); // a mark changes only what may still run
        Assert.Equal(1, UnreadableLines(path)); // the cut line, and only it
    }

    [Fact]
    public void Read_LogWithNoLineOfTheRun_IsMovedAsideWithAWarning()
    {
        Directory.CreateDirectory(_temp.Store.RunsDirectory);
        var path = Path.Combine(_temp.Store.RunsDirectory, "odd.jsonl");
        File.WriteAllText(path, "{\"generation\":{\"fixture\":\"App\",\"generation\":1}}\nnot json\n");
        var warnings = new List<string>();

        var runs = _temp.Store.ReadAll(warnings);

        Assert.Empty(runs);
        Assert.False(File.Exists(path));
        Assert.EndsWith(".jsonl", Assert.Single(Directory.GetFiles(_temp.Store.CorruptDirectory)), StringComparison.Ordinal);
        Assert.Contains("could not be read", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAll_LegacyRecordBesideALog_BothLoadAndAMarkOnTheLegacyOneIsWrittenBackInItsFormat()
    {
        Directory.CreateDirectory(_temp.Store.RunsDirectory);
        var legacy = Path.Combine(_temp.Store.RunsDirectory, "legacy.json");
        File.WriteAllText(legacy, """
            { "format": 1, "runId": "legacy", "started": "2026-01-01T00:00:00+00:00",
              "generations": [ { "fixture": "App", "generation": 1, "cookie": "k1", "status": "running" } ] }
            """);
        var recorder = new RunRecorder(_temp.Store, TimeProvider.System, "current");
        Respawn(recorder, 1);

        var runs = _temp.Store.ReadAll();

        Assert.Equal(["legacy", "current"], runs.Select(r => r.RunId));
        Assert.True(_temp.Store.Mark("legacy", [new RecordMark { Fixture = "App", Generation = 1, Cookie = "k1", Status = RecordMark.Gone, At = DateTimeOffset.UtcNow, By = "a test" }]));
        Assert.Equal("gone", Assert.Single(_temp.Store.Read("legacy")!.Generations).Status);
        using var document = JsonDocument.Parse(File.ReadAllText(legacy)); // still one JSON document
        Assert.Equal("legacy", document.RootElement.GetProperty("runId").GetString());
        Assert.False(_temp.Store.Mark("missing", [new RecordMark { Cookie = "x", Status = RecordMark.Gone }]));
    }

    [Fact]
    public void ReadAll_SkipEnded_LongLogOfAnEndedRunIsSkippedFromItsTailAndAnOpenOneIsRead()
    {
        var ended = new RunRecorder(_temp.Store, TimeProvider.System, "ended");
        var open = new RunRecorder(_temp.Store, TimeProvider.System, "open");
        for (var generation = 1; generation <= 50; generation++)
        {
            Respawn(ended, generation);
            Respawn(open, generation);
        }

        ended.Ended("completed", orphanStatus: "stopped");
        Assert.True(new FileInfo(_temp.Store.RunPath("ended")).Length > 3 * 8192, "the log is not longer than the tail that is read");

        var runs = _temp.Store.ReadAll(skipEnded: true);

        Assert.Equal("open", Assert.Single(runs).RunId);
        var all = _temp.Store.ReadAll();
        Assert.Equal(2, all.Count);
        Assert.Equal("completed", all.Single(r => r.RunId == "ended").EndedHow);
        Assert.Equal("stopped", all.Single(r => r.RunId == "ended").Generations[^1].Status);
    }

    [Fact(Timeout = 120_000)]
    public async Task Mark_HostWritingWhileTheWatchdogAndASweepMarkTheSameRun_LosesNoLineOfAny()
    {
        // The run's host writes 300 generations, one write each; two other processes mark them at the same time,
        // one reaped (the watchdog), one gone (another run's sweep), each mark one append.
        var writer = Start("records-open", _temp.Store.Root, "shared", "300");
        var reaper = Start("marks", _temp.Store.Root, "shared", "1", "2", "300", RecordMark.Reaped);
        var sweeper = Start("marks", _temp.Store.Root, "shared", "2", "2", "300", RecordMark.Gone);
        Process[] all = [writer, reaper, sweeper];
        try
        {
            var reads = 0;
            while (all.Any(p => !p.HasExited))
            {
                _temp.Store.ReadAll(); // a reader meanwhile must never take the log for corrupt
                reads++;
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }

            foreach (var process in all)
            {
                await process.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            }

            Assert.Equal("150", (await reaper.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)).Trim());
            var run = _temp.Store.Read("shared")!;
            Assert.Equal(Enumerable.Range(1, 300), run.Generations.Select(g => g.Generation));
            Assert.All(run.Generations, g => Assert.Equal(g.Generation % 2 == 1 ? "reaped" : "gone", g.Status));
            Assert.Equal("completed", run.EndedHow);
            Assert.False(Directory.Exists(_temp.Store.CorruptDirectory), $"a reader took the log for corrupt in {reads} reads");
            Assert.Equal(0, UnreadableLines(_temp.Store.RunPath("shared")));
            Assert.Empty(Directory.GetFiles(_temp.Store.RunsDirectory, "*.tmp"));
        }
        finally
        {
            foreach (var process in all.Where(p => !p.HasExited))
            {
                process.Kill();
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Compact_WhileTheWatchdogAndASweepAppendMarks_LosesNoMark()
    {
        // The run's host writes 300 generations and ends (its end compacts the log); then two other processes mark every
        // generation, one append each, while this process compacts the log over and over: a mark appended while a
        // compaction reads and renames must land in the log that stays, not in the one it replaces.
        using (var writer = Start("records-open", _temp.Store.Root, "compacted", "300"))
        {
            await writer.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(writer.ExitCode == 0, await writer.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        }

        var path = _temp.Store.RunPath("compacted");
        Assert.Equal(301, File.ReadAllLines(path).Length); // compacted at the run's end: a line per generation and the run's
        var reaper = Start("marks", _temp.Store.Root, "compacted", "1", "2", "300", RecordMark.Reaped);
        var sweeper = Start("marks", _temp.Store.Root, "compacted", "2", "2", "300", RecordMark.Gone);
        Process[] all = [reaper, sweeper];
        try
        {
            var compactions = 0;
            while (all.Any(p => !p.HasExited))
            {
                compactions += _temp.Store.Compact("compacted") ? 1 : 0;
            }

            foreach (var process in all)
            {
                await process.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            }

            var run = _temp.Store.Read("compacted")!;
            Assert.True(compactions > 1, $"only {compactions} compactions ran while the marks were appended");
            Assert.Equal(Enumerable.Range(1, 300), run.Generations.Select(g => g.Generation));
            var lost = run.Generations.Where(g => g.Status != (g.Generation % 2 == 1 ? "reaped" : "gone")).Select(g => g.Generation).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} of 300 marks were lost over {compactions} compactions: generations {string.Join(", ", lost.Take(20))}");
            Assert.Empty(Directory.GetFiles(_temp.Store.RunsDirectory, "*.tmp"));
            Assert.True(_temp.Store.Compact("compacted") || File.ReadAllLines(path).Length == 301);
            Assert.Equal(301, File.ReadAllLines(path).Length);
        }
        finally
        {
            foreach (var process in all.Where(p => !p.HasExited))
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public void ForWriting_CrashLoopsDeaths_KeepsTheLast20AndTheCountSoThatTheSnapshotStaysSmall()
    {
        var health = new FixtureHealth { Fixture = "Crashy", Generations = 31 };
        for (var i = 1; i <= 30; i++)
        {
            health.Deaths.Add(new HealthDeath { Generation = i, Cause = "exit code 134 (SIGABRT)", Test = $"T{i}" });
        }

        var written = health.ForWriting();
        var read = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(written, RecordsJson.Default.FixtureHealth), RecordsJson.Default.FixtureHealth)!;

        Assert.Equal(30, health.Deaths.Count); // the run's own copy keeps them all
        Assert.Equal((30, 20, 11), (read.DeathCount, read.Deaths.Count, read.Deaths[0].Generation));
        Assert.StartsWith("Crashy: 31 generations, 30 deaths — 10 earlier not kept; the last 20: T11, exit code 134 (SIGABRT); T12,", read.Summary(), StringComparison.Ordinal);
        var few = new FixtureHealth { Fixture = "Calm", Generations = 2, Deaths = [new HealthDeath { Generation = 1, Cause = "exit code 1", Test = "T" }] };
        Assert.Same(few, few.ForWriting());
        Assert.Equal("Calm: 2 generations, 1 death — T, exit code 1", few.Summary());
    }

    private static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(TestAppPaths.BuiltDll("LiveFixtures.HostExit"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    private static void Respawn(RunRecorder recorder, int generation) => CrashLoopRecords.Respawn(recorder, generation);

    private static string Cookie(int generation) => CrashLoopRecords.Cookie(generation);

    private static int UnreadableLines(string path) => File.ReadAllLines(path).Count(line =>
    {
        if (line.Length == 0)
        {
            return false;
        }

        try
        {
            return JsonSerializer.Deserialize<JsonElement>(line).ValueKind != JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return true;
        }
    });

    private static long WrittenByThisThread() => CrashLoopRecords.WrittenByThisThread();
}
