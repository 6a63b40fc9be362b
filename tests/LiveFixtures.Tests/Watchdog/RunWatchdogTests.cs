using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests.Watchdog;

/// <summary>
/// The run's watchdog, seen from outside: a real test host (LiveFixtures.HostExit) is killed, and the test counts what
/// survives by the pids and start times the host printed (never machine-wide).
/// </summary>
public sealed class RunWatchdogTests
{
    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task HostKilledWithSigkill_StopsEveryProcessOfTheRunWithinOneSecond(string tier)
    {
        using var host = HostRun.Start("sigterm", tier);
        List<(int Pid, ulong Start)> owned = [];
        Watchdog? watchdog = null;
        try
        {
            await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            watchdog = Watchdog.Parse(await host.LineAsync("watchdog ", TestContext.Current.CancellationToken));
            await host.LineAsync("ready", TestContext.Current.CancellationToken);

            var killed = Stopwatch.StartNew();
            host.Process.Kill();
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var survivors = await SurvivorsAfterAsync(owned, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            var allGone = killed.Elapsed;

            Assert.Equal(5, owned.Count);
            Assert.True(survivors.Count == 0, $"{survivors.Count} of the host's 5 processes (a plain app, a setsid grandchild, an env -i escape) outlived it by 1 s: {string.Join(", ", survivors)}");
            Assert.True(await GoneWithinAsync(watchdog.Pid, watchdog.Start, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the watchdog did not exit after its host died");
            TestContext.Current.TestOutputHelper?.WriteLine($"tier {tier}: 0 survivors {allGone.TotalMilliseconds:0} ms after the SIGKILL; watchdog start cost to the host {watchdog.Cost} ms, ready after {watchdog.Ready} ms");
        }
        finally
        {
            HostRun.KillSurvivors(owned);
            watchdog?.KillIfRunning();
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task HostTreeKilledAsACiWould_WatchdogOutsideTheTreeStillStopsTheRun(string tier)
    {
        using var host = HostRun.Start("sigterm", tier);
        List<(int Pid, ulong Start)> owned = [];
        Watchdog? watchdog = null;
        try
        {
            await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            watchdog = Watchdog.Parse(await host.LineAsync("watchdog ", TestContext.Current.CancellationToken));
            await host.LineAsync("ready", TestContext.Current.CancellationToken);
            Assert.NotEqual(host.Process.Id, watchdog.Parent);

            // What a CI cancel or a hang-blame kill does: the host and everything below it by parentage.
            host.Process.Kill(entireProcessTree: true);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var survivors = await SurvivorsAfterAsync(owned, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

            Assert.True(OsProcess.IsRunning(watchdog.Pid, watchdog.Start) || survivors.Count == 0, "the watchdog was killed with the host's tree");
            Assert.True(survivors.Count == 0, $"{survivors.Count} of the host's 5 processes outlived a kill of its process tree by 1 s: {string.Join(", ", survivors)}");
            Assert.True(await GoneWithinAsync(watchdog.Pid, watchdog.Start, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the watchdog did not exit after its host died");
        }
        finally
        {
            HostRun.KillSurvivors(owned);
            watchdog?.KillIfRunning();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task LiveHostClosesItsPipe_WatchdogTouchesNothingAndExitsWithTheHost()
    {
        using var host = HostRun.Start("live", "fallback");
        List<(int Pid, ulong Start)> owned = [];
        Watchdog? watchdog = null;
        try
        {
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            watchdog = Watchdog.Parse(await host.LineAsync("watchdog ", TestContext.Current.CancellationToken));
            await host.LineAsync("ready", TestContext.Current.CancellationToken);

            // The pipe has reached its end, but the host lives: the watchdog must wait, not act.
            await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
            Assert.All(owned, p => Assert.True(OsProcess.IsRunning(p.Pid, p.Start), $"the app (pid {p.Pid}) of a live host was stopped"));
            Assert.True(OsProcess.IsRunning(watchdog.Pid, watchdog.Start), "the watchdog left while its host lives");

            host.Process.StandardInput.Close();
            await host.LineAsync("stopped", TestContext.Current.CancellationToken);
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(0, host.Process.ExitCode);
            Assert.True(await GoneWithinAsync(watchdog.Pid, watchdog.Start, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the watchdog did not exit with its host");
        }
        finally
        {
            HostRun.KillSurvivors(owned);
            watchdog?.KillIfRunning();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task DecoyWithTheRecordedPidButAnotherStartTime_IsNeverSignalled()
    {
        var mark = Path.Combine(Path.GetTempPath(), $"livefixtures-watchdog-decoy-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo("/usr/bin/setsid") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "/bin/sh", "-c", $"trap 'echo TERM >> {mark}' TERM; trap 'echo HUP >> {mark}' HUP; trap 'echo INT >> {mark}' INT; while :; do sleep 0.05; done" })
        {
            info.ArgumentList.Add(argument);
        }

        using var decoy = Process.Start(info)!;
        var decoyStart = OsProcess.StartTicks(decoy.Id)!.Value;
        List<(int Pid, ulong Start)> owned = [];
        Watchdog? watchdog = null;
        try
        {
            using var host = HostRun.Start("decoy-watchdog", "fallback", decoy.Id.ToString(CultureInfo.InvariantCulture));
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            watchdog = Watchdog.Parse(await host.LineAsync("watchdog ", TestContext.Current.CancellationToken));
            await host.LineAsync("ready", TestContext.Current.CancellationToken);

            host.Process.Kill();
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

            // The watchdog acted (the real app is gone) and finished (it exited); the decoy saw nothing of it.
            Assert.Empty(await SurvivorsAfterAsync(owned, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            Assert.True(await GoneWithinAsync(watchdog.Pid, watchdog.Start, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the watchdog did not exit after its host died");
            Assert.True(OsProcess.IsRunning(decoy.Id, decoyStart), "the decoy was killed");
            Assert.False(File.Exists(mark), $"the decoy was signalled: {(File.Exists(mark) ? File.ReadAllText(mark) : "")}");
        }
        finally
        {
            decoy.Kill(entireProcessTree: true);
            File.Delete(mark);
            HostRun.KillSurvivors(owned);
            watchdog?.KillIfRunning();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task SwitchedOffByTheEnvironment_StartsNoWatchdogAndTestsGoOn()
    {
        using var host = HostRun.Start("live", "fallback", "LIVEFIXTURES_WATCHDOG=off");
        List<(int Pid, ulong Start)> owned = [];
        try
        {
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            var line = await host.LineAsync("watchdog ", TestContext.Current.CancellationToken);

            Assert.Equal("none switched off by LIVEFIXTURES_WATCHDOG=off", line);
            host.Process.StandardInput.Close();
            await host.LineAsync("stopped", TestContext.Current.CancellationToken);
        }
        finally
        {
            HostRun.KillSurvivors(owned);
        }
    }

    /// <summary>Waits until none of <paramref name="processes"/> runs, or <paramref name="limit"/> has passed; returns the ones still running.</summary>
    private static async Task<List<(int Pid, ulong Start)>> SurvivorsAfterAsync(List<(int Pid, ulong Start)> processes, TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var running = processes.Where(p => OsProcess.IsRunning(p.Pid, p.Start)).ToList();
            if (running.Count == 0 || clock.Elapsed >= limit)
            {
                return running;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    private static async Task<bool> GoneWithinAsync(int pid, ulong start, TimeSpan limit, CancellationToken cancellationToken) =>
        (await SurvivorsAfterAsync([(pid, start)], limit, cancellationToken)).Count == 0;

    /// <summary>The watchdog the host reported: "watchdog PID:TICKS parent PPID cost MS ready MS".</summary>
    private sealed record Watchdog(int Pid, ulong Start, int Parent, string Cost, string Ready)
    {
        public static Watchdog Parse(string line)
        {
            var fields = line.Split(' ');
            Assert.True(fields.Length == 7 && fields[0] != "none", $"the host has no watchdog: {line}");
            var (pid, start) = HostRun.ParsePids(fields[0])[0];
            return new Watchdog(pid, start, int.Parse(fields[2], CultureInfo.InvariantCulture), fields[4], fields[6]);
        }

        public void KillIfRunning()
        {
            if (OsProcess.IsRunning(Pid, Start))
            {
                OsProcess.KillQuietly(Pid);
            }
        }
    }
}
