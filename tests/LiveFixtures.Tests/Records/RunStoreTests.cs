using System.Diagnostics;
using LiveFixtures.Records;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Records;

public sealed class RunStoreTests
{
    [Fact]
    public void Write_ThenRead_RoundTripsEveryField()
    {
        using var temp = new TempStore();
        var run = TempStore.DeadRun("r1", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord
        {
            Fixture = "LiveGui", Generation = 2, Cookie = "c", Containment = "cgroup", Cgroup = "/sys/fs/cgroup/x", ProcessGroup = 42,
            CommandLine = ["dotnet", "app.dll", "--token", "***"], Ports = new() { ["port"] = 8999 }, Status = "died", ExitCode = 134, Signal = "SIGABRT",
            Test = "T.Crash",
        });

        temp.Store.Write(run);
        var read = temp.Store.Read("r1");

        Assert.NotNull(read);
        var generation = Assert.Single(read.Generations);
        Assert.Equal(("LiveGui", 2, "cgroup", 42, 8999, 134, "SIGABRT", "T.Crash"), (generation.Fixture, generation.Generation, generation.Containment, generation.ProcessGroup, generation.Ports["port"], generation.ExitCode, generation.Signal, generation.Test));
        Assert.Equal(["dotnet", "app.dll", "--token", "***"], generation.CommandLine);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Write_NewStore_IsPrivateToTheUser()
    {
        using var temp = new TempStore();

        temp.Store.Write(TempStore.DeadRun("r1", DateTimeOffset.UtcNow));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(temp.Store.Root));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.Store.RunPath("r1")));
    }

    [Fact]
    public void Write_StoreIsASymbolicLink_RefusesNamingTheCause()
    {
        using var temp = new TempStore();
        var elsewhere = Directory.CreateDirectory(Path.Combine(temp.Parent, "elsewhere")).FullName;
        File.CreateSymbolicLink(temp.Store.Root, elsewhere);

        var error = Assert.Throws<UnauthorizedAccessException>(() => temp.Store.Write(TempStore.DeadRun("r1", DateTimeOffset.UtcNow)));

        Assert.Contains("LiveFixtures keeps its run records in", error.Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
        Assert.Contains($"set {StateDirectory.Variable} to a folder only you can write to", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
    }

    [Fact]
    public void Write_StoreOwnedByAnotherUser_Refuses()
    {
        Assert.SkipUnless(Environment.UserName == "root", "Needs root to give a directory to another user.");
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Store.Root);
        using (var chown = Process.Start("chown", ["65534", temp.Store.Root]))
        {
            chown.WaitForExit();
        }

        var error = Assert.Throws<UnauthorizedAccessException>(() => temp.Store.Write(TempStore.DeadRun("r1", DateTimeOffset.UtcNow)));

        Assert.Contains("belongs to another user (uid 65534)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RecordFromAnOlderVersion_LoadsWithDefaultsAndIgnoresUnknownFields()
    {
        using var temp = new TempStore();
        Directory.CreateDirectory(temp.Store.RunsDirectory);
        File.WriteAllText(Path.Combine(temp.Store.RunsDirectory, "old.json"), """
            { "runId": "old", "someFieldFromTheFuture": {"x": 1},
              "generations": [ { "fixture": "App", "generation": 1, "process": { "pid": 12 } } ] }
            """);

        var run = temp.Store.Read("old");

        Assert.NotNull(run);
        var generation = Assert.Single(run.Generations);
        Assert.Equal(("App", 1, 12, "running", "none", ""), (generation.Fixture, generation.Generation, generation.Process.Pid, generation.Status, generation.Containment, generation.Process.BootId));
        Assert.Empty(generation.Ports);
        Assert.Null(run.Ended);
    }

    [Fact]
    public void ReadAll_OneCorruptFile_IsMovedAsideWithAWarningAndTheOthersLoad()
    {
        using var temp = new TempStore();
        temp.Store.Write(TempStore.DeadRun("good", DateTimeOffset.UtcNow));
        var corrupt = Path.Combine(temp.Store.RunsDirectory, "cut.json");
        File.WriteAllText(corrupt, "{ \"runId\": \"cut\", \"generations\": [ {");
        var warnings = new List<string>();

        var runs = temp.Store.ReadAll(warnings);

        Assert.Equal("good", Assert.Single(runs).RunId);
        Assert.False(File.Exists(corrupt));
        var moved = Assert.Single(Directory.GetFiles(temp.Store.CorruptDirectory));
        Assert.Equal("{ \"runId\": \"cut\", \"generations\": [ {", File.ReadAllText(moved));
        Assert.Contains(moved, Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void ReadAll_SkipEnded_LeavesOutEndedRunsOnlyAndStillMovesCorruptFilesAside()
    {
        using var temp = new TempStore();
        var ended = TempStore.DeadRun("ended", DateTimeOffset.UtcNow);
        ended.Ended = DateTimeOffset.UtcNow;
        ended.EndedHow = "completed";
        ended.Generations.Add(new GenerationRecord { Fixture = "App", Generation = 1, Ended = DateTimeOffset.UtcNow, Status = "stopped" });
        temp.Store.Write(ended);
        var running = TempStore.DeadRun("running", DateTimeOffset.UtcNow);
        running.Generations.Add(new GenerationRecord { Fixture = "App", Generation = 1, Ended = DateTimeOffset.UtcNow, Status = "stopped" });
        temp.Store.Write(running);
        File.WriteAllText(Path.Combine(temp.Store.RunsDirectory, "cut.json"), "{ \"runId\": \"cut\", \"ended\": ");
        var warnings = new List<string>();

        var runs = temp.Store.ReadAll(warnings, skipEnded: true);

        Assert.Equal("running", Assert.Single(runs).RunId);
        Assert.Single(warnings);
        Assert.Equal(2, temp.Store.ReadAll().Count);
    }

    [Fact]
    public void Prune_RunEndedLongAgo_IsDeletedWithItsWorkspaceAndRecentOnesStay()
    {
        using var temp = new TempStore();
        var now = DateTimeOffset.UtcNow;
        var workspace = Directory.CreateDirectory(Path.Combine(temp.Parent, "ws-old")).FullName;
        var old = TempStore.DeadRun("old", now.AddDays(-9));
        old.Ended = now.AddDays(-8);
        old.Generations.Add(new GenerationRecord { Fixture = "App", Generation = 1, Workspace = workspace, Status = "stopped" });
        temp.Store.Write(old);
        var recent = TempStore.DeadRun("recent", now.AddDays(-1));
        recent.Ended = now.AddDays(-1);
        temp.Store.Write(recent);

        var removed = temp.Store.Prune(RunStore.DefaultRetention, now);

        Assert.Equal(["old"], removed);
        Assert.False(Directory.Exists(workspace));
        Assert.Equal("recent", Assert.Single(temp.Store.ReadAll()).RunId);
    }

    [Fact]
    public void Prune_RunOfALiveHost_IsKeptHoweverOld()
    {
        using var temp = new TempStore();
        var run = TempStore.DeadRun("live", DateTimeOffset.UtcNow.AddDays(-30));
        run.Host = ProcessIdentity.Current;
        temp.Store.Write(run);

        var removed = temp.Store.Prune(TimeSpan.FromDays(1), DateTimeOffset.UtcNow);

        Assert.Empty(removed);
    }

    [Fact(Timeout = 120_000)]
    public async Task Write_FourHostsWritingHundredsOfUpdatesAtOnce_LoseNoRecord()
    {
        using var temp = new TempStore();
        var writers = new List<Process>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var arg in new[] { TestAppPaths.BuiltDll("LiveFixtures.HostExit"), "records", temp.Store.Root, $"run{i}", "300" })
                {
                    info.ArgumentList.Add(arg);
                }

                writers.Add(Process.Start(info)!);
            }

            // Read while they write: a reader must never see half a record (that would be moved aside as corrupt).
            var reads = 0;
            while (writers.Any(w => !w.HasExited))
            {
                temp.Store.ReadAll();
                reads++;
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }

            foreach (var writer in writers)
            {
                await writer.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.True(writer.ExitCode == 0, await writer.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
            }

            var runs = temp.Store.ReadAll();
            Assert.Equal(4, runs.Count);
            Assert.All(runs, run => Assert.Equal(Enumerable.Range(1, 300), run.Generations.Select(g => g.Generation)));
            Assert.All(runs, run => Assert.All(run.Generations, g => Assert.Equal("stopped", g.Status)));
            Assert.False(Directory.Exists(temp.Store.CorruptDirectory), $"a reader saw half a record in {reads} reads");
            Assert.Empty(Directory.GetFiles(temp.Store.RunsDirectory, "*.tmp"));
        }
        finally
        {
            foreach (var writer in writers.Where(w => !w.HasExited))
            {
                writer.Kill();
            }
        }
    }
}
