using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Containment;

public sealed class ContainmentTests
{

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task StopAsync_DescendantDoubleForkedSetsidEnvIgnoringSigterm_IsKilled(string tier)
    {
        // In the process-group tier the grandchild leaves after the generation was seen ready: one that leaves before
        // anyone looked has no mark that tells it from a stranger's orphan there (docs/process-tree.md). In a test
        // host forced to that tier (eng/coverage-fallback.sh) the cgroup-tier host's escaped grandchild comes back to
        // this host, its subreaper, which must leave it to the cgroup.
        using var host = HostRun.Start("escape", tier);
        List<(int Pid, ulong Start)> escaped = [];
        try
        {
            await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
            escaped = HostRun.ParsePids(await host.LineAsync("escaped ", TestContext.Current.CancellationToken));
            var report = await host.LineAsync("report ", TestContext.Current.CancellationToken);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.False(OsProcess.IsRunning(escaped[0].Pid, escaped[0].Start), $"the escaped grandchild {escaped[0].Pid} survived the stop: {report}");
            // 1, or 2 when the shell that printed the escaped pid had not yet exited at the stop (a loaded machine).
            Assert.Matches(@"\b[12] descendant\(s\) killed", report);
        }
        finally
        {
            HostRun.KillSurvivors(escaped);
        }
    }

    [Theory(Timeout = 180_000)]
    [InlineData("fallback", "exit")]
    [InlineData("fallback", "kill")]
    [InlineData("cgroup", "exit")]
    [InlineData("cgroup", "kill")]
    public async Task HostExitAndWatchdog_DaemonsListeningOnLeasedPorts_AreKilledAndAStrangersDaemonIsNot(string tier, string how)
    {
        // Daemons that left every mark but the port they listen on (setsid, streams to /dev/null, environment dropped
        // or overwritten): one of a running generation, one of a failed start that bound its leased port after the stop
        // had looked. The host exits (its exit path must kill them) or is SIGKILLed (its watchdog must). A redis the host
        // started itself, listening on a port never leased, comes back to the host too and must survive.
        var redis = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(redis is null, "redis-server is not installed (.ci/run installs it with apt-get).");
        using var host = HostRun.Start("daemons", tier, how, redis!);
        List<(int Pid, ulong Start)> stranger = [];
        List<(int Pid, ulong Start)> daemons = [];
        string? dir = null;
        try
        {
            dir = await host.LineAsync("dir ", TestContext.Current.CancellationToken);
            var strangerLine = await host.LineAsync("stranger ", TestContext.Current.CancellationToken);
            stranger = HostRun.ParsePids(strangerLine.Split(" port ")[0]);
            await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
            var running = await host.LineAsync("running ", TestContext.Current.CancellationToken);
            daemons.AddRange(HostRun.ParsePids(running.Split(" port ")[0]));
            var late = await host.LineAsync("late ", TestContext.Current.CancellationToken);
            if (late.StartsWith("none", StringComparison.Ordinal))
            {
                // The cgroup tier killed it at the failed start, before it could bind: only the process-group tier needs its port.
                Assert.Equal("cgroup", tier);
            }
            else
            {
                daemons.AddRange(HostRun.ParsePids(late.Split(" port ")[0]));
            }

            var watchdog = await host.LineAsync("watchdog ", TestContext.Current.CancellationToken);
            await host.LineAsync("ready", TestContext.Current.CancellationToken);
            if (how == "kill")
            {
                // The host waits to be killed: everything is still there (an exiting host may already be killing).
                Assert.All(daemons.Concat(stranger), p => Assert.True(OsProcess.IsRunning(p.Pid, p.Start), $"{p.Pid} was not running when the host was ready ({running}; {late}; {strangerLine})"));
                host.Process.Kill(); // SIGKILL to the host alone: its orphans are in its tree
            }

            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            if (how == "kill")
            {
                Assert.False(watchdog.StartsWith("none", StringComparison.Ordinal), $"the host had no watchdog: {watchdog}");
            }

            if (!watchdog.StartsWith("none", StringComparison.Ordinal))
            {
                var (pid, start) = HostRun.ParsePids(watchdog.Split(' ')[0])[0];
                for (var i = 0; i < 1000 && OsProcess.IsRunning(pid, start); i++)
                {
                    await Task.Delay(10, TestContext.Current.CancellationToken);
                }
            }

            for (var i = 0; i < 300 && daemons.Any(p => OsProcess.IsRunning(p.Pid, p.Start)); i++)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken); // the last SIGKILL being delivered
            }

            Assert.Multiple(
                () => Assert.False(OsProcess.IsRunning(daemons[0].Pid, daemons[0].Start), $"the running generation's daemon outlived the host ({how}): {running}"),
                () => Assert.False(daemons.Count > 1 && OsProcess.IsRunning(daemons[1].Pid, daemons[1].Start), $"the failed start's late daemon outlived the host ({how}): {late}"),
                () => Assert.True(OsProcess.IsRunning(stranger[0].Pid, stranger[0].Start), $"the host's exit ({how}) killed a daemon it started itself on a port never leased: {strangerLine}"));
        }
        finally
        {
            HostRun.KillSurvivors(daemons);
            HostRun.KillSurvivors(stranger);
            if (dir is not null && Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task StopAsync_ProcessGroupTier_OrphanBornAfterTheLastLookInASessionOfASeenMember_IsKilled()
    {
        // Never seen itself (born after the generation was seen ready, then its parent exited; env -i, no pipes), but
        // in the session of the app's child, which was seen and still lives: a session cannot be joined by a stranger.
        using var host = HostRun.Start("session", "fallback");
        List<(int Pid, ulong Start)> escaped = [];
        try
        {
            await host.RequireTierAsync("fallback", TestContext.Current.CancellationToken);
            var line = await host.LineAsync("escaped ", TestContext.Current.CancellationToken);
            escaped = HostRun.ParsePids(line.Split(" parent ")[0]);
            var report = await host.LineAsync("report ", TestContext.Current.CancellationToken);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Contains($"parent {host.Process.Id} ", line, StringComparison.Ordinal); // it did come back to the host
            Assert.False(OsProcess.IsRunning(escaped[0].Pid, escaped[0].Start), $"the orphan in a seen member's session survived the stop ({line}): {report}");
            // The session's leader (the app's child) and the orphan.
            Assert.Matches(@"\b[23] descendant\(s\) killed", report);
        }
        finally
        {
            HostRun.KillSurvivors(escaped);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task StopAndHostExit_OrphanOfAProgramTheHostStartedItself_IsNeverSignalled()
    {
        // A process-group-tier host (child subreaper) runs one generation while it starts, itself, a program whose
        // grandchild escapes (setsid, double fork, env -i): the orphan comes back to the host but is not LiveFixtures'.
        using var host = HostRun.Start("foreign", "fallback");
        List<(int Pid, ulong Start)> foreign = [];
        List<(int Pid, ulong Start)> owned = [];
        try
        {
            await host.RequireTierAsync("fallback", TestContext.Current.CancellationToken);
            var foreignLine = await host.LineAsync("foreign ", TestContext.Current.CancellationToken);
            foreign = HostRun.ParsePids(foreignLine.Split(" parent ")[0]);
            var report = await host.LineAsync("report ", TestContext.Current.CancellationToken);
            var afterStop = await host.LineAsync("after-stop ", TestContext.Current.CancellationToken);
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            var lateLine = await host.LineAsync("foreign-late ", TestContext.Current.CancellationToken);
            foreign.AddRange(HostRun.ParsePids(lateLine.Split(" parent ")[0]));
            var watchdog = await host.LineAsync("watchdog ", TestContext.Current.CancellationToken);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            if (!watchdog.StartsWith("none", StringComparison.Ordinal))
            {
                // The watchdog stops what it knows of the run once the host is gone: it must not know the stranger either.
                var (pid, start) = HostRun.ParsePids(watchdog.Split(' ')[0])[0];
                for (var i = 0; i < 1000 && OsProcess.IsRunning(pid, start); i++)
                {
                    await Task.Delay(10, TestContext.Current.CancellationToken);
                }
            }

            // Both came back to the host; each check stands alone (the old attribution failed the stop and the exit).
            Assert.EndsWith($"parent {host.Process.Id}", foreignLine.Split(" host ")[0], StringComparison.Ordinal);
            Assert.EndsWith($"parent {host.Process.Id}", lateLine, StringComparison.Ordinal);
            Assert.Multiple(
                () => Assert.True(afterStop == "alive", $"the generation's stop killed the orphan of a program the host started itself ({foreignLine}): {report}"),
                () => Assert.Contains(" 0 descendant(s) killed", report, StringComparison.Ordinal),
                () => Assert.True(OsProcess.IsRunning(foreign[0].Pid, foreign[0].Start), $"the host's exit (or its watchdog) killed the orphan of a program it started itself ({foreignLine})"),
                () => Assert.True(OsProcess.IsRunning(foreign[1].Pid, foreign[1].Start), $"the host's exit (or its watchdog) killed the orphan of a program it started itself while a generation was open ({lateLine})"));
            Assert.All(owned, p => Assert.False(OsProcess.IsRunning(p.Pid, p.Start), $"the generation left open, {p.Pid}, outlived the host"));
        }
        finally
        {
            HostRun.KillSurvivors(foreign);
            HostRun.KillSurvivors(owned);
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task StopAsync_DecoyTookRecordedPidWhileThreadPoolStarved_IsNeverSignalled(string tier)
    {
        Assert.SkipUnless(Environment.UserName == "root", "Forcing a pid through /proc/sys/kernel/ns_last_pid needs root.");
        using var host = HostRun.Start("decoy", tier);
        List<(int Pid, ulong Start)> decoy = [];
        try
        {
            await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
            var taken = await host.LineAsync("decoy ", TestContext.Current.CancellationToken);
            Assert.SkipWhen(taken.StartsWith("could not", StringComparison.Ordinal), $"The decoy could not take the pid on this busy machine: {taken}");
            decoy = HostRun.ParsePids(taken);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var outcome = await host.LineAsync("outcome ", TestContext.Current.CancellationToken);

            Assert.StartsWith("alive not signalled", outcome, StringComparison.Ordinal);
        }
        finally
        {
            HostRun.KillSurvivors(decoy);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Start_AppForksAtOnce_ChildIsContainedFromItsFirstInstruction()
    {
        // GNU timeout forks the command right after it starts; the child drops its environment and sleeps.
        await using var app = new LiveProcessBuilder("/usr/bin/timeout")
            .WithArguments("600", "/bin/sh", "-c", "echo child $$; exec env -i /bin/sleep 600")
            .WithReadiness(Probe.OutputLine("^child "))
            .Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        var child = int.Parse(generation.Output.Tail(1)[0].Text["child ".Length..]);
        var childStart = OsProcess.StartTicks(child)!.Value;
        try
        {
            if (generation.Containment == ContainmentTier.Cgroup)
            {
                // Joined before the app ran: the child was born in the generation's cgroup, not the host's.
                Assert.Equal(CgroupOf(generation.ProcessId), CgroupOf(child));
                Assert.NotEqual(CgroupOf(Environment.ProcessId), CgroupOf(child));
            }
            else
            {
                // The app led its own session from its first instruction: the child was born in it.
                Assert.Equal(ContainmentTier.ProcessGroup, generation.Containment);
                Assert.Equal(generation.ProcessId, SessionOf(child));
            }

            await app.StopAsync(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);

            Assert.False(OsProcess.IsRunning(child, childStart), $"child {child} outlived the stop");
        }
        finally
        {
            if (OsProcess.IsRunning(child, childStart))
            {
                OsProcess.KillQuietly(child);
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_WithoutProcessGroup_StaysInHostSessionAndStillKillsTheTree()
    {
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "/bin/sleep 600 & echo child $!; exec /bin/sleep 601")
            .WithReadiness(Probe.OutputLine("^child "))
            .WithProcessGroup(false)
            .Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        var child = int.Parse(generation.Output.Tail(1)[0].Text["child ".Length..]);
        var childStart = OsProcess.StartTicks(child)!.Value;
        try
        {
            Assert.Equal(SessionOf(Environment.ProcessId), SessionOf(generation.ProcessId));

            var report = await app.StopAsync(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);

            Assert.False(OsProcess.IsRunning(child, childStart), $"child {child} outlived the stop: {report}");
            Assert.Equal(1, report.DescendantsKilled);
        }
        finally
        {
            if (OsProcess.IsRunning(child, childStart))
            {
                OsProcess.KillQuietly(child);
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Nginx_MasterKilledMidSuite_NextGenerationStartsWithNoOldWorkerAndStopLeavesNone()
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(nginx is null, "nginx is not installed (.ci/run installs it with apt-get).");
        var dir = Directory.CreateTempSubdirectory("livefixtures-nginx").FullName;
        var port = FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), $$"""
            daemon off;
            master_process on;
            worker_processes 2;
            pid {{dir}}/nginx.pid;
            error_log stderr notice;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path {{dir}}/body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    location / { return 200 "ok\n"; }
                }
            }
            """, TestContext.Current.CancellationToken);
        var known = new List<(int Pid, ulong Start)>();
        try
        {
            // A fixed port: an old worker still holding it would make the next start fail.
            await using var app = new LiveProcessBuilder(nginx!)
                .WithArguments("-p", dir, "-e", "stderr", "-c", Path.Combine(dir, "nginx.conf"))
                .WithFixedPort(port)
                .WithReadiness(Probe.Http("/"))
                .WithBaseAddress("http://127.0.0.1:{port}/")
                .Build();
            var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            var oldWorkers = await WorkersAsync(first.ProcessId, known);

            Process.Start("kill", ["-KILL", first.ProcessId.ToString()])!.WaitForExit();
            await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
            var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

            Assert.Equal(2, second.Number);
            Assert.All(oldWorkers, w => Assert.False(OsProcess.IsRunning(w.Pid, w.Start), $"worker {w.Pid} of generation 1 is still alive"));
            var newWorkers = await WorkersAsync(second.ProcessId, known);
            var secondStart = OsProcess.StartTicks(second.ProcessId)!.Value;

            await app.StopAsync(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

            Assert.False(OsProcess.IsRunning(second.ProcessId, secondStart));
            Assert.All(newWorkers, w => Assert.False(OsProcess.IsRunning(w.Pid, w.Start), $"worker {w.Pid} of generation 2 outlived the stop"));
        }
        finally
        {
            HostRun.KillSurvivors(known);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<List<(int Pid, ulong Start)>> WorkersAsync(int master, List<(int Pid, ulong Start)> known)
    {
        List<int> workers = [];
        for (var i = 0; i < 500 && (workers = OsProcess.Children(master)).Count < 2; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, workers.Count);
        List<(int Pid, ulong Start)> result = [.. workers.Select(w => (w, OsProcess.StartTicks(w)!.Value))];
        known.AddRange(result);
        return result;
    }

    private static string CgroupOf(int pid) =>
        File.ReadLines($"/proc/{pid}/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal));

    private static int SessionOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
