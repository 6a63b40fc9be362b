using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LiveFixtures.Records;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests.Records;

/// <summary>
/// The next run's sweep against real test hosts (the HostExit harness, using the real library) killed with SIGKILL:
/// the first start of a fixture in the next run, in this test host and on the same store, finds and handles what they left.
/// </summary>
public sealed class LeftoverSweepTests : IDisposable
{
    private readonly TempStore _temp = new();
    private readonly List<(int Pid, ulong Start)> _owned = [];
    private readonly List<Process> _started = [];

    public void Dispose()
    {
        HostRun.KillSurvivors(_owned);
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

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task FirstStart_HostKilledWithSigkill_ReapsEveryLeftoverByIdentityAndTellsTheFirstTest(string tier)
    {
        // Without a cgroup, a grandchild that dropped its environment (env -i) and left the session cannot be told
        // from a stranger after its host is gone: only the cgroup tier is asked to find it.
        using var host = HostRun.StartWithStore("killme", tier, _temp.Store.Root, tier == "cgroup" ? ["escape"] : []);
        await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
        var run = await host.LineAsync("run ", TestContext.Current.CancellationToken);
        _owned.AddRange(HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken)));
        await host.LineAsync("ready", TestContext.Current.CancellationToken);

        host.Process.Kill(); // SIGKILL: no handler runs, nothing is stopped
        await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.All(_owned, p => Assert.True(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid} did not survive the SIGKILL of its host, so there is nothing to sweep"));

        await using var fixture = new LeftoverFixture(_temp.Store.Root);
        await fixture.InitializeAsync();
        var scope = await fixture.BeginScopeAsync(TestContext.Current.CancellationToken);
        await scope.DisposeAsync();

        Assert.All(_owned, p => Assert.False(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid}, left by the killed host, survived the next run's first start"));
        var notice = Assert.IsType<string>(scope.Notice);
        Assert.Contains($"Leftover: an earlier run left {(tier == "cgroup" ? 3 : 2)} generations", notice, StringComparison.Ordinal);
        Assert.Contains("this run reaped them before its first start (leftover policy reap, the default)", notice, StringComparison.Ordinal);
        Assert.Contains($"of run {run} (LiveFixtures.HostExit", notice, StringComparison.Ordinal);
        Assert.Contains("was killed before the run ended", notice, StringComparison.Ordinal);
        Assert.Contains("This test starts on generation 1", notice, StringComparison.Ordinal);
        var record = _temp.Store.Read(run)!;
        Assert.All(record.Generations, g => Assert.Equal("reaped", g.Status));
        Assert.NotNull(record.SweptBy);
    }

    [Fact(Timeout = 120_000)]
    public async Task HostKilledWithSigkill_WatchdogMarksItsGenerationsReapedInTheRunsLog()
    {
        // The watchdog appends its marks to the log of a host that may have died in the middle of a write.
        using var host = HostRun.StartWithStoreAndWatchdog("killme", "cgroup", _temp.Store.Root);
        var watchdog = await host.LineAsync("watchdog ", TestContext.Current.CancellationToken);
        Assert.True(watchdog.Split(' ')[0] != "none", $"the host has no watchdog: {watchdog}");
        var run = await host.LineAsync("run ", TestContext.Current.CancellationToken);
        _owned.AddRange(HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken)));
        await host.LineAsync("ready", TestContext.Current.CancellationToken);

        host.Process.Kill();
        await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        RunRecord? record = null;
        for (var i = 0; i < 500 && (record is null || !record.Generations.TrueForAll(g => g.Status == "reaped")); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
            record = _temp.Store.Read(run);
        }

        Assert.NotNull(record);
        Assert.Equal(2, record.Generations.Count);
        Assert.All(record.Generations, g => Assert.Equal("reaped", g.Status));
        Assert.StartsWith("the run's watchdog (pid ", record.SweptBy, StringComparison.Ordinal);
        Assert.Empty(new Leftovers(_temp.Store, LiveFixtures.Platform.ProcessTables.Current, TimeProvider.System).Find());
    }

    [Fact(Timeout = 120_000)]
    public async Task FirstStart_HostAndItsWatchdogKilledWithSigkill_ReapsEveryLeftoverAndTellsTheFirstTest()
    {
        // The watchdog is killed first (an out-of-memory kill, a CI job's cleanup that spared the apps): nothing stops
        // the apps when the host dies, and the next run's first start must.
        using var host = HostRun.StartWithStoreAndWatchdog("killme", "cgroup", _temp.Store.Root);
        var watchdog = await host.LineAsync("watchdog ", TestContext.Current.CancellationToken);
        var fields = watchdog.Split(' ');
        Assert.True(fields.Length == 7 && fields[0] != "none", $"the host has no watchdog: {watchdog}");
        var (watchdogPid, watchdogStart) = HostRun.ParsePids(fields[0])[0];
        var run = await host.LineAsync("run ", TestContext.Current.CancellationToken);
        _owned.AddRange(HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken)));
        await host.LineAsync("ready", TestContext.Current.CancellationToken);

        Assert.True(OsProcess.IsRunning(watchdogPid, watchdogStart), "the watchdog is not running");
        OsProcess.KillQuietly(watchdogPid); // SIGKILL: it stops nothing
        while (OsProcess.IsRunning(watchdogPid, watchdogStart))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        host.Process.Kill();
        await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.All(_owned, p => Assert.True(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid} did not survive the SIGKILL of its host and watchdog, so there is nothing to sweep"));

        await using var fixture = new LeftoverFixture(_temp.Store.Root);
        await fixture.InitializeAsync();
        var scope = await fixture.BeginScopeAsync(TestContext.Current.CancellationToken);
        await scope.DisposeAsync();

        Assert.All(_owned, p => Assert.False(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid}, left by the killed host, survived the next run's first start"));
        var notice = Assert.IsType<string>(scope.Notice);
        Assert.Contains("Leftover: an earlier run left 2 generations", notice, StringComparison.Ordinal);
        Assert.Contains($"of run {run} (LiveFixtures.HostExit", notice, StringComparison.Ordinal);
        Assert.All(_temp.Store.Read(run)!.Generations, g => Assert.Equal("reaped", g.Status));
    }

    [Fact(Timeout = 120_000)]
    public async Task FirstStart_SiblingHostAlive_TouchesNothingAndTellsNothing()
    {
        using var host = HostRun.StartWithStore("killme", "cgroup", _temp.Store.Root);
        _owned.AddRange(HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken)));
        await host.LineAsync("ready", TestContext.Current.CancellationToken);

        await using (var fixture = new LeftoverFixture(_temp.Store.Root))
        {
            await fixture.InitializeAsync();
            var scope = await fixture.BeginScopeAsync(TestContext.Current.CancellationToken);
            await scope.DisposeAsync();

            Assert.Null(scope.Notice);
        }

        Assert.All(_owned, p => Assert.True(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid} of a live sibling host was touched"));
        Assert.DoesNotContain(RunOf(host).Generations, g => g.Status is "reaped" or "gone");
    }

    [Fact(Timeout = 60_000)]
    public async Task FirstStart_DecoysWithTheRecordedPid_AreNeverSignalled()
    {
        // Each decoy is alive under a recorded pid, but one part of the identity does not match: the start time, the
        // boot, the cgroup that should list it, or the process group it should lead.
        var decoys = Enumerable.Range(0, 4).Select(_ => Start("sleep", "60")).ToList();
        var run = TempStore.DeadRun("dead-run", DateTimeOffset.UtcNow);
        var identities = decoys.Select(d => ProcessIdentity.Of(d.Id)!).ToList();
        identities[0].StartTicks += 1;
        identities[1].BootId = "00000000-0000-0000-0000-000000000000";
        run.Generations.AddRange(identities.Select((identity, i) => new GenerationRecord { Fixture = "Leftover", Generation = i + 1, Cookie = $"decoy-{i}", Process = identity, Started = run.Started }));
        run.Generations[2].Containment = "cgroup";
        run.Generations[2].Cgroup = Path.Combine(_temp.Parent, "no-such-cgroup");
        run.Generations[3].Containment = "process-group";
        run.Generations[3].ProcessGroup = decoys[3].Id; // it does not lead a group: it is in this test host's
        _temp.Store.Write(run);

        await using (var fixture = new LeftoverFixture(_temp.Store.Root))
        {
            await fixture.InitializeAsync();
            var scope = await fixture.BeginScopeAsync(TestContext.Current.CancellationToken);
            await scope.DisposeAsync();

            Assert.Null(scope.Notice);
        }

        Assert.All(decoys, d => Assert.False(d.HasExited, $"decoy pid {d.Id} was signalled"));
        Assert.All(_temp.Store.Read("dead-run")!.Generations, g => Assert.Equal("gone", g.Status));
    }

    [Fact(Timeout = 60_000)]
    public async Task FirstStart_PolicyFail_ThrowsNamingTheLeftoversAndTheFixAndStopsNothing()
    {
        var leftover = Start("sleep", "60");
        RecordDeadRun("dead-run", leftover.Id);
        var app = new LiveProcessBuilder("/bin/sleep").WithName("Leftover").WithArguments("60").WithLeftovers(LeftoverPolicy.Fail).WithRunStore(_temp.Store.Root).Build();
        await using (app)
        {
            var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

            Assert.Contains("LiveProcess 'Leftover' was not started: an earlier run left 1 generation (1 process) of it running, and the leftover policy is fail (WithLeftovers(LeftoverPolicy.Fail))", error.Message, StringComparison.Ordinal);
            Assert.Contains($"pids {leftover.Id}, of run dead-run", error.Message, StringComparison.Ordinal);
            Assert.Contains("Stop them with 'livefixtures reap'", error.Message, StringComparison.Ordinal);
            Assert.Equal(LiveProcessState.NotStarted, app.State);
            Assert.False(leftover.HasExited);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task FirstStart_PolicyWarn_TellsAndLeavesThemRunning()
    {
        var leftover = Start("sleep", "60");
        RecordDeadRun("dead-run", leftover.Id);
        var app = new LiveProcessBuilder("/bin/sleep").WithName("Leftover").WithArguments("60").WithLeftovers(LeftoverPolicy.Warn).WithRunStore(_temp.Store.Root).Build();
        await using (app)
        {
            await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

            var notice = app.TakeLeftoverNotice();
            Assert.NotNull(notice);
            Assert.Contains("they were left alone (leftover policy warn, WithLeftovers(LeftoverPolicy.Warn))", notice, StringComparison.Ordinal);
            Assert.Null(app.TakeLeftoverNotice()); // told once
            Assert.False(leftover.HasExited);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task FirstStart_EnvironmentVariableSaysWarn_WinsOverTheBuildersFail()
    {
        // Only "warn" is set process-wide, for a moment: other tests' first starts can at worst warn instead of reap.
        var leftover = Start("sleep", "60");
        RecordDeadRun("dead-run", leftover.Id);
        var app = new LiveProcessBuilder("/bin/sleep").WithName("Leftover").WithArguments("60").WithLeftovers(LeftoverPolicy.Fail).WithRunStore(_temp.Store.Root).Build();
        Environment.SetEnvironmentVariable(LeftoverSweep.Variable, "warn");
        try
        {
            await using (app)
            {
                await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

                Assert.Contains("(leftover policy warn, LIVEFIXTURES_LEFTOVERS=warn)", app.TakeLeftoverNotice(), StringComparison.Ordinal);
                Assert.False(leftover.HasExited);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(LeftoverSweep.Variable, null);
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task Start_FixedPortHeldByALeftoverOfAKilledHost_ReapsItAndStarts(string tier)
    {
        var port = FreePort();
        using var host = HostRun.StartWithStore("port", tier, _temp.Store.Root, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
        _owned.AddRange(HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken)));
        await host.LineAsync("ready", TestContext.Current.CancellationToken);
        host.Process.Kill();
        await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

        // Another fixture of the next run wants the same fixed port.
        var app = new LiveProcessBuilder("/usr/bin/python3").WithName("Taker").WithArguments("-m", "http.server", "--bind", "127.0.0.1", "{port}")
            .WithFixedPort(port).WithReadiness(Probe.Tcp()).WithRunStore(_temp.Store.Root).Build();
        await using (app)
        {
            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

            Assert.Equal(port, generation.Port);
            var notice = app.TakeLeftoverNotice();
            Assert.NotNull(notice);
            Assert.Contains($"Taker: port {port} was held by pid {_owned[0].Pid}, left running by an earlier run whose host is gone; it was reaped", notice, StringComparison.Ordinal);
            Assert.False(OsProcess.IsRunning(_owned[0].Pid, _owned[0].Start));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Start_FixedPortHeldByALiveHost_ThrowsPortInUseNamingTheHolder()
    {
        var port = FreePort();
        using var host = HostRun.StartWithStore("port", "cgroup", _temp.Store.Root, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _owned.AddRange(HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken)));
        await host.LineAsync("ready", TestContext.Current.CancellationToken);

        // No wait for the live host's machine-wide lease on the port: the start fails at once, naming the holder.
        var app = new LiveProcessBuilder("/usr/bin/python3").WithName("Taker").WithArguments("-m", "http.server", "--bind", "127.0.0.1", "{port}")
            .WithFixedPort(port).WithReadiness(Probe.Tcp()).WithMachineLeaseWait(TimeSpan.Zero).WithRunStore(_temp.Store.Root).Build();
        await using (app)
        {
            var error = await Assert.ThrowsAsync<PortInUseException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

            Assert.Equal(port, error.Port);
            Assert.Contains($"port {port} ('port') is held on this machine by pid {host.Process.Id}", error.Message, StringComparison.Ordinal);
            Assert.Null(app.TakeLeftoverNotice());
            Assert.True(OsProcess.IsRunning(_owned[0].Pid, _owned[0].Start), "the live host's listener was touched");
        }
    }

    private RunRecord RunOf(HostRun host) => Assert.Single(_temp.Store.ReadAll(), r => r.Host.Pid == host.Process.Id);

    private void RecordDeadRun(string runId, int pid)
    {
        var run = TempStore.DeadRun(runId, DateTimeOffset.UtcNow);
        run.Generations.Add(new GenerationRecord { Fixture = "Leftover", Generation = 1, Cookie = "c1", Process = ProcessIdentity.Of(pid)!, Started = run.Started });
        _temp.Store.Write(run);
    }

    private Process Start(string command, params string[] arguments)
    {
        var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true })!;
        _started.Add(process);
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A fixture of the next run, on the test's store, named like the apps the killed host left.</summary>
    private sealed class LeftoverFixture(string store) : LiveProcessFixture
    {
        public override string Name => "Leftover";

        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) =>
            builder.WithCommand("/bin/sleep").WithArguments("60").WithRunStore(store);
    }
}
