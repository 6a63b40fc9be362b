using System.Diagnostics;
using System.Text.Json;
using LiveFixtures.Records;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests.Records;

/// <summary>The livefixtures tool run as a program against a store, as a user runs it.</summary>
public sealed class ToolTests : IDisposable
{
    private readonly TempStore _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Commands_OnAMissingStore_SayThereIsNothingAndSucceed()
    {
        foreach (var (command, expected) in new[] { ("ps", "No generations recorded"), ("reap", "Nothing to reap"), ("prune", "Nothing older than 7d"), ("health", "No health snapshots") })
        {
            var result = await RunAsync(TestContext.Current.CancellationToken, command);

            Assert.True(result.ExitCode == 0, $"{command}: {result}");
            Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Ps_RecordsOfARun_ListsEachGenerationAndJsonParses()
    {
        var run = TempStore.DeadRun("run-a", DateTimeOffset.UtcNow.AddMinutes(-5));
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 1, Process = new ProcessIdentity { Pid = 4242 }, Status = "died", Ports = new() { ["port"] = 8999 }, Started = run.Started });
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 2, Process = new ProcessIdentity { Pid = 4243 }, Status = "stopped", Started = run.Started });
        _temp.Store.Write(run);

        var table = await RunAsync(TestContext.Current.CancellationToken, "ps");
        var json = await RunAsync(TestContext.Current.CancellationToken, "ps", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains(table.Output.Split('\n'), l => l.StartsWith("LiveGui", StringComparison.Ordinal) && l.Contains("4242", StringComparison.Ordinal) && l.Contains("died", StringComparison.Ordinal) && l.Contains("port=8999", StringComparison.Ordinal));
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal([1, 2], document.RootElement.EnumerateArray().Select(e => e.GetProperty("generation").GetInt32()));
        Assert.All(document.RootElement.EnumerateArray(), e => Assert.False(e.GetProperty("alive").GetBoolean()));
    }

    [Fact(Timeout = 60_000)]
    public async Task Reap_LeftoverOfADeadRun_DryRunListsItThenReapStopsIt()
    {
        var info = new ProcessStartInfo("sleep", ["60"]);
        using var sleep = Process.Start(info)!;
        try
        {
            var run = TempStore.DeadRun("dead", DateTimeOffset.UtcNow);
            run.Generations.Add(new GenerationRecord { Fixture = "App", Generation = 3, Cookie = "c", Process = ProcessIdentity.Of(sleep.Id)!, Started = DateTimeOffset.UtcNow });
            _temp.Store.Write(run);

            var dry = await RunAsync(TestContext.Current.CancellationToken, "reap", "--dry-run");
            Assert.Equal(0, dry.ExitCode);
            Assert.Contains($"would stop App generation 3 (pid {sleep.Id}) of run dead", dry.Output, StringComparison.Ordinal);
            Assert.False(sleep.HasExited);
            Assert.Contains("LEFTOVER", (await RunAsync(TestContext.Current.CancellationToken, "ps")).Output, StringComparison.Ordinal);

            var reap = await RunAsync(TestContext.Current.CancellationToken, "reap");
            Assert.True(reap.ExitCode == 0, reap.ToString());
            await sleep.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal("reaped", Assert.Single(_temp.Store.Read("dead")!.Generations).Status);
            Assert.Contains("reaped", (await RunAsync(TestContext.Current.CancellationToken, "ps")).Output, StringComparison.Ordinal);
        }
        finally
        {
            if (!sleep.HasExited)
            {
                sleep.Kill();
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Logs_GenerationWithALogFile_PrintsIt()
    {
        var log = Path.Combine(_temp.Parent, "gen2.log");
        File.WriteAllText(log, "12:00:00.000 out| ready\n12:00:01.000 err| IM_ASSERT failed\n");
        var run = TempStore.DeadRun("r", DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "LiveGui", Generation = 2, LogFile = log, Status = "died", Started = DateTimeOffset.UtcNow });
        _temp.Store.Write(run);

        var result = await RunAsync(TestContext.Current.CancellationToken, "logs", "LiveGui", "--generation", "2");
        var missing = await RunAsync(TestContext.Current.CancellationToken, "logs", "Nope");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("IM_ASSERT failed", result.Output, StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no generation of 'Nope' is recorded", missing.Errors, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Health_SnapshotOfARun_PrintsTheSummaryLine()
    {
        _temp.Store.WriteHealth("r9", new FixtureHealth
        {
            Fixture = "LiveGui", RunId = "r9", State = "Stopped", Generations = 2, Respawns = 1, Final = true,
            Deaths = [new HealthDeath { Generation = 1, Cause = "exit code 134 (SIGABRT)", Test = "CrashingTests.Crash_KillsTheSharedApp" }],
        });

        var result = await RunAsync(TestContext.Current.CancellationToken, "health");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("LiveGui: 2 generations, 1 death — CrashingTests.Crash_KillsTheSharedApp, exit code 134 (SIGABRT)", result.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task Health_StartRefusedForABusyFixedPort_SaysNeverStartedWithTheCauseAndTheFailedStarts()
    {
        // A listener of this test holds the fixed port: every start is refused before a process runs.
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var name = $"Refused{Guid.NewGuid():N}";
        await using (var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120").WithName(name).WithFixedPort(port).Build())
        {
            await Assert.ThrowsAsync<PortInUseException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));
            await Assert.ThrowsAsync<PortInUseException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));
            Assert.Null(app.ProcessId);
        }

        var snapshot = RunHealth.Snapshot(name)!;
        snapshot.RunId = "r-refused";
        snapshot.Final = true;
        _temp.Store.WriteHealth("r-refused", snapshot);
        var result = await RunAsync(TestContext.Current.CancellationToken, "health");

        Assert.StartsWith($"{name}: never started: port {port} ('port') is already in use", snapshot.Summary(), StringComparison.Ordinal);
        Assert.EndsWith("(2 failed starts)", snapshot.Summary(), StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"{snapshot.Summary()} (run r-refused, final)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("0 generations", result.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task Commands_RecordsOfARealRun_ListItsGenerationsPrintItsLogAndItsSummary()
    {
        var logs = Directory.CreateDirectory(Path.Combine(_temp.Parent, "logs")).FullName;
        using (var host = HostRun.StartWithStore("run", "cgroup", _temp.Store.Root, logs))
        {
            await host.LineAsync("summary ", TestContext.Current.CancellationToken);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var ps = await RunAsync(TestContext.Current.CancellationToken, "ps");
        var log = await RunAsync(TestContext.Current.CancellationToken, "logs", "Crashy", "--generation", "1");
        var health = await RunAsync(TestContext.Current.CancellationToken, "health");

        Assert.True(ps.ExitCode == 0, ps.ToString());
        Assert.Contains(ps.Output.Split('\n'), l => l.StartsWith("Crashy", StringComparison.Ordinal) && l.Contains("died", StringComparison.Ordinal));
        Assert.Contains(ps.Output.Split('\n'), l => l.StartsWith("Crashy", StringComparison.Ordinal) && l.Contains("stopped", StringComparison.Ordinal));
        Assert.True(log.ExitCode == 0, log.ToString());
        Assert.Contains("crashing", log.Output, StringComparison.Ordinal);
        Assert.True(health.ExitCode == 0, health.ToString());
        Assert.Contains("Crashy: 2 generations, 1 death — CrashingTests.Crash_KillsTheSharedApp, exit code 134 (SIGABRT)", health.Output, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task Reap_LeftoversOfARealHostKilledWithSigkill_StopsEveryOne(string tier)
    {
        List<(int Pid, ulong Start)> owned = [];
        try
        {
            using (var host = HostRun.StartWithStore("killme", tier, _temp.Store.Root))
            {
                await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
                owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
                await host.LineAsync("ready", TestContext.Current.CancellationToken);
                host.Process.Kill();
                await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            var ps = await RunAsync(TestContext.Current.CancellationToken, "ps");
            var dry = await RunAsync(TestContext.Current.CancellationToken, "reap", "--dry-run");
            Assert.Equal(2, ps.Output.Split('\n').Count(l => l.StartsWith("Leftover", StringComparison.Ordinal) && l.Contains("LEFTOVER", StringComparison.Ordinal)));
            Assert.Contains($"would stop Leftover generation 1 (pid {owned[0].Pid})", dry.Output, StringComparison.Ordinal);
            Assert.All(owned, p => Assert.True(OsProcess.IsRunning(p.Pid, p.Start), $"the dry run touched pid {p.Pid}"));

            var reap = await RunAsync(TestContext.Current.CancellationToken, "reap");

            Assert.True(reap.ExitCode == 0, reap.ToString());
            Assert.All(owned, p => Assert.False(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid} survived 'livefixtures reap'"));
            Assert.Contains("Nothing to reap", (await RunAsync(TestContext.Current.CancellationToken, "reap")).Output, StringComparison.Ordinal);
        }
        finally
        {
            HostRun.KillSurvivors(owned);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Ps_CorruptRecord_WarnsOnOneLineAndListsTheRest()
    {
        _temp.Store.Write(TempStore.DeadRun("ok", DateTimeOffset.UtcNow));
        File.WriteAllText(Path.Combine(_temp.Store.RunsDirectory, "bad.json"), "not json");

        var result = await RunAsync(TestContext.Current.CancellationToken, "ps");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("livefixtures: warning: The LiveFixtures record", result.Errors, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_temp.Store.CorruptDirectory));
    }

    [Fact(Timeout = 60_000)]
    public async Task Prune_BadAge_FailsWithOneLineSayingWhatToWrite()
    {
        var result = await RunAsync(TestContext.Current.CancellationToken, "prune", "--older-than", "soon");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("livefixtures: 'soon' is not an age: write a number followed by d, h, m or s, such as 7d or 12h.", result.Errors.Trim());
    }

    private async Task<ToolResult> RunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(TestAppPaths.BuiltDll("LiveFixtures.Tool"));
        info.ArgumentList.Add("--store");
        info.ArgumentList.Add(_temp.Store.Root);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return new ToolResult(process.ExitCode, await output, await errors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private sealed record ToolResult(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Errors}";
    }
}
