using System.Diagnostics;
using LiveFixtures.Platform;
using LiveFixtures.Records;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Records;

public sealed class LeftoversTests : IDisposable
{
    private readonly TempStore _temp = new();
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        _temp.Dispose();
    }

    [Fact(Timeout = 30_000)]
    public async Task ReapAsync_DeadRunsProcessGroupStillRunning_StopsTheWholeGroupAndMarksTheRecord()
    {
        // The root leads its own group (setsid); its child is in that group too.
        var root = Start("setsid", "sh", "-c", "sleep 60 & echo $!; exec sleep 61");
        var child = int.Parse(await root.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) ?? "0");
        var run = Record("dead-run", root.Id, processGroup: root.Id);
        var leftovers = new Leftovers(_temp.Store, ProcessTables.Current, TimeProvider.System);

        var found = leftovers.Find();
        var lines = await leftovers.ReapAsync(found, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(root.Id, Assert.Single(found).Generation.Process.Pid);
        Assert.Contains("stopped", Assert.Single(lines), StringComparison.Ordinal);
        await root.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(await Eventually(() => !OsProcess.IsRunning(child)), $"the group member pid {child} survived");
        var record = Assert.Single(_temp.Store.Read(run.RunId)!.Generations);
        Assert.Equal("reaped", record.Status);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReapAsync_LeftoverIgnoresSigterm_IsKilledAfterTheGrace()
    {
        var stubborn = Start("sh", "-c", "trap '' TERM; exec sleep 60");
        Record("dead-run", stubborn.Id);
        var leftovers = new Leftovers(_temp.Store, ProcessTables.Current, TimeProvider.System);

        var lines = await leftovers.ReapAsync(leftovers.Find(), TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.Contains("killed (it ignored SIGTERM)", Assert.Single(lines), StringComparison.Ordinal);
        await stubborn.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Find_PidAliveButStartTimeDiffers_IsNeverTakenForTheRecordedProcess()
    {
        var decoy = Start("sleep", "60");
        Record("dead-run", decoy.Id, startTicksOffset: 1);

        var found = new Leftovers(_temp.Store, ProcessTables.Current, TimeProvider.System).Find();

        Assert.Empty(found);
        Assert.False(decoy.HasExited);
    }

    [Fact]
    public void Find_RecordFromAnotherBoot_IsNeverTakenForALiveProcess()
    {
        var decoy = Start("sleep", "60");
        Record("dead-run", decoy.Id, bootId: "00000000-0000-0000-0000-000000000000");

        Assert.Empty(new Leftovers(_temp.Store, ProcessTables.Current, TimeProvider.System).Find());
    }

    [Fact]
    public void Find_RunOfALiveSiblingHost_IsNeverTouched()
    {
        var sibling = Start("sleep", "60");
        var run = Record("live-run", sibling.Id);
        run.Host = ProcessIdentity.Of(sibling.Id)!; // its host (here: the sleep itself) is alive
        _temp.Store.Write(run);

        Assert.Empty(new Leftovers(_temp.Store, ProcessTables.Current, TimeProvider.System).Find());
    }

    [Fact(Timeout = 30_000)]
    public async Task ReapAsync_LeftoversInACutLogAndInALegacyRecord_AreFoundReapedAndMarkedInEach()
    {
        // A log whose host was killed in the middle of a write, and a record an earlier version wrote whole.
        var inLog = Start("sleep", "60");
        var recorder = new RunRecorder(_temp.Store, TimeProvider.System, "log-run");
        recorder.Started(new GenerationRecord { Fixture = "App", Generation = 1, Cookie = "c-log", Process = ProcessIdentity.Of(inLog.Id)!, Started = DateTimeOffset.UtcNow });
        recorder.Flush();
        File.AppendAllText(_temp.Store.RunPath("log-run"), "{\"generation\":{\"fixture\":\"App\",\"gen");
        ForgeDeadHost("log-run");
        var inLegacy = Start("sleep", "61");
        var legacy = Record("legacy-run", inLegacy.Id);
        legacy.Generations[0].Cookie = "c-legacy";
        File.WriteAllText(Path.Combine(_temp.Store.RunsDirectory, "legacy-run.json"), System.Text.Json.JsonSerializer.Serialize(legacy, RecordsJson.Default.RunRecord));
        File.Delete(_temp.Store.RunPath("legacy-run"));
        var leftovers = new Leftovers(_temp.Store, ProcessTables.Current, TimeProvider.System);

        var found = leftovers.Find();
        await leftovers.ReapAsync(found, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal([inLog.Id, inLegacy.Id], found.Select(l => l.Generation.Process.Pid).Order());
        await inLog.WaitForExitAsync(TestContext.Current.CancellationToken);
        await inLegacy.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal("reaped", Assert.Single(_temp.Store.Read("log-run")!.Generations).Status);
        Assert.Equal("reaped", Assert.Single(_temp.Store.Read("legacy-run")!.Generations).Status);
        Assert.Empty(leftovers.Find());
        Assert.False(Directory.Exists(_temp.Store.CorruptDirectory));
    }

    private void ForgeDeadHost(string runId)
    {
        // The recorder's host is this test host: its run line is appended again as if a host now gone had written it.
        var run = _temp.Store.Read(runId)!;
        run.Host = TempStore.DeadRun(runId, run.Started).Host;
        _temp.Store.Append(runId, [(byte)'\n', .. RecordLog.RunLine(run)]);
    }

    private Process Start(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        _started.Add(process);
        return process;
    }

    private RunRecord Record(string runId, int pid, int? processGroup = null, ulong startTicksOffset = 0, string? bootId = null)
    {
        var identity = ProcessIdentity.Of(pid) ?? throw new InvalidOperationException($"pid {pid} is not running");
        identity.StartTicks += startTicksOffset;
        identity.BootId = bootId ?? identity.BootId;
        var run = TempStore.DeadRun(runId, DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord
        {
            Fixture = "App", Generation = 1, Cookie = "c1", Process = identity, ProcessGroup = processGroup,
            Containment = processGroup is null ? "none" : "process-group", Started = DateTimeOffset.UtcNow,
        });
        _temp.Store.Write(run);
        return run;
    }

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return condition();
    }
}
