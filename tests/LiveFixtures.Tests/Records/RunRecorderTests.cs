using LiveFixtures.Records;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests.Records;

/// <summary>What the handle records as a run goes, made by real runs (the HostExit harness, using the real library).</summary>
public sealed class RunRecorderTests : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = 120_000)]
    public async Task Run_RealHostEndingNormally_RecordsEveryGenerationItsDeathTheEndAndTheSummary()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_temp.Parent, "logs")).FullName;
        using var host = HostRun.StartWithStore("run", "cgroup", _temp.Store.Root, logs);
        var runId = await host.LineAsync("run ", TestContext.Current.CancellationToken);
        var summary = await host.LineAsync("summary ", TestContext.Current.CancellationToken);
        await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, host.Process.ExitCode);
        Assert.Equal("Crashy: 2 generations, 1 death — CrashingTests.Crash_KillsTheSharedApp, exit code 134 (SIGABRT)", summary);
        var run = _temp.Store.Read(runId)!;
        Assert.Equal("completed", run.EndedHow);
        Assert.NotNull(run.Ended);
        Assert.Equal([1, 2], run.Generations.Select(g => g.Generation));
        var died = run.Generations[0];
        Assert.Equal(("died", 134, "SIGABRT", "exit code 134 (SIGABRT)", "CrashingTests.Crash_KillsTheSharedApp"), (died.Status, died.ExitCode, died.Signal, died.Cause, died.Test));
        Assert.NotNull(died.Ready);
        Assert.NotNull(died.Ended);
        Assert.NotEqual(0UL, died.Process.StartTicks);
        Assert.Equal(ProcessIdentity.CurrentBootId, died.Process.BootId);
        Assert.NotEmpty(died.Cookie);
        Assert.Contains(died.Containment, new[] { "cgroup", "process-group" });
        Assert.Equal(Path.Combine(logs, "Crashy-gen1.log"), died.LogFile);
        Assert.Contains("--token=***", died.CommandLine);
        Assert.DoesNotContain(died.CommandLine, a => a.Contains("hunter2", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", File.ReadAllText(_temp.Store.RunPath(runId)), StringComparison.Ordinal);
        var second = run.Generations[1];
        Assert.Equal("stopped", second.Status); // killed by the host's exit path, which ended the run
        Assert.NotNull(second.Ended);
        var health = Assert.Single(_temp.Store.ReadHealth(runId));
        Assert.True(health.Final);
        Assert.Equal(summary, health.Summary());
        Assert.Equal((2, 1, 2), (health.Generations, health.Respawns, health.BudgetLeft));
        Assert.True(health.StartingMilliseconds > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Start_StoreCannotBeWritten_CostsOneWarningAndTheStartGoesOn()
    {
        // The store is a symbolic link: it is refused, as another user's folder would be.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_temp.Parent, "elsewhere")).FullName;
        File.CreateSymbolicLink(_temp.Store.Root, elsewhere);
        var app = new LiveProcessBuilder("/bin/sleep").WithName("Unrecorded").WithArguments("60").WithRunStore(_temp.Store.Root).Build();
        await using (app)
        {
            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            await app.Recorder.FlushAsync();
            await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);
            await app.Recorder.FlushAsync();

            Assert.True(generation.ProcessId > 0);
            var warning = app.Recorder.TakeWarning();
            Assert.NotNull(warning);
            Assert.Contains($"LiveFixtures could not write its run record to {_temp.Store.Root}", warning, StringComparison.Ordinal);
            Assert.Contains("set LIVEFIXTURES_STATE_DIR to a folder you can write to", warning, StringComparison.Ordinal);
            Assert.Null(app.Recorder.TakeWarning()); // one warning, not one per write
            Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task WithSecret_TokenInAnArgument_IsStoredRedacted()
    {
        var token = "s3cr3t-" + Guid.NewGuid().ToString("N");

        // <snippet:run-tracking-options>
        var builder = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "exec sleep 60", "app", $"--token={token}")
            .WithSecret(token)                   // the run record stores "--token=***"
            .WithLeftovers(LeftoverPolicy.Warn); // LIVEFIXTURES_LEFTOVERS, when set, wins
        // </snippet:run-tracking-options>
        var app = builder.WithName("Secretive").WithRunStore(_temp.Store.Root).Build();
        await using (app)
        {
            await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            await app.Recorder.FlushAsync();

            var generation = Assert.Single(_temp.Store.Read(app.Recorder.RunId)!.Generations);
            Assert.Equal(["/bin/sh", "-c", "exec sleep 60", "app", "--token=***"], generation.CommandLine);
            Assert.DoesNotContain(token, File.ReadAllText(_temp.Store.RunPath(app.Recorder.RunId)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Update_BurstOfChanges_IsCoalescedAndTheLatestStateWins()
    {
        var recorder = new RunRecorder(_temp.Store, TimeProvider.System, "burst");
        recorder.Started(new GenerationRecord { Fixture = "App", Generation = 1, Cookie = "c" });
        for (var i = 0; i < 2_000; i++)
        {
            recorder.Update("App", 1, "c", g => g.ExitCode = i);
        }

        recorder.Flush();

        Assert.Equal(1_999, Assert.Single(_temp.Store.Read("burst")!.Generations).ExitCode);
        Assert.True(recorder.Writes < 2_000, $"{recorder.Writes} writes for 2,001 changes: the writer does not coalesce");
    }
}
