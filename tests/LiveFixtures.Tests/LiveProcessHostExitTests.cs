using System.Diagnostics;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessHostExitTests
{
    [Fact(Timeout = 60_000)]
    public async Task HostExitsWithoutStopping_LeavesNoProcessBehind()
    {
        var host = TestAppPaths.BuiltDll("LiveFixtures.HostExit");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(host);
        using var process = Process.Start(info)!;
        var pids = Array.Empty<int>();
        try
        {
            var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            var line = output.Split('\n').Single(l => l.StartsWith("pids ", StringComparison.Ordinal));
            pids = line["pids ".Length..].Split(' ').Select(int.Parse).ToArray();

            Assert.Equal(0, process.ExitCode);
            Assert.Equal(3, pids.Length);
            Assert.All(pids, pid => Assert.False(OsProcess.IsRunning(pid), $"pid {pid} outlived the host that started it"));
        }
        finally
        {
            foreach (var pid in pids)
            {
                OsProcess.KillQuietly(pid);
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData("cgroup")]
    [InlineData("fallback")]
    public async Task HostSentSigterm_EndsEveryGenerationAndExitsWith143(string tier)
    {
        using var host = HostRun.Start("sigterm", tier);
        List<(int Pid, ulong Start)> owned = [];
        try
        {
            await host.RequireTierAsync(tier, TestContext.Current.CancellationToken);
            owned = HostRun.ParsePids(await host.LineAsync("pids ", TestContext.Current.CancellationToken));
            await host.LineAsync("ready", TestContext.Current.CancellationToken);

            Process.Start("kill", ["-TERM", host.Process.Id.ToString()])!.WaitForExit();
            await host.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(143, host.Process.ExitCode);
            Assert.Equal(5, owned.Count);
            Assert.All(owned, p => Assert.False(OsProcess.IsRunning(p.Pid, p.Start), $"pid {p.Pid} outlived the host that was sent SIGTERM"));
        }
        finally
        {
            HostRun.KillSurvivors(owned);
        }
    }
}
