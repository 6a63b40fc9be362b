using System.Diagnostics;
using LiveFixtures.Testing;
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
}
