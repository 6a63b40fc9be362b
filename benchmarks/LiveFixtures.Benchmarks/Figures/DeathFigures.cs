using System.Diagnostics;
using System.Text.RegularExpressions;
using LiveFixtures.Testing;

namespace LiveFixtures.Benchmarks.Figures;

/// <summary>
/// Death detection during a wait: the test app is killed (SIGKILL) while a test waits for a line it will never write;
/// how long after the kill the wait fails with the death, against the bare floor (a waitpid through .NET's Process).
/// </summary>
internal static class DeathFigures
{
    public static async Task RunAsync(Report report, int rounds)
    {
        var handle = new List<double>();
        var bare = new List<double>();
        for (var round = 0; round < rounds + 1; round++)
        {
            await using var app = new LiveProcessBuilder("dotnet")
                .WithName("TestApp")
                .WithArguments([TestAppPaths.Dll, "--port", "{port}"])
                .WithPort()
                .WithReadiness(Probe.OutputLine(@"^TestApp ready on "))
                .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
                .WithStopGrace(TimeSpan.Zero)
                .Build();
            var generation = await app.EnsureReadyAsync().ConfigureAwait(false);
            var wait = app.WaitForOutputAsync(new Regex("never written"), timeout: TimeSpan.FromSeconds(60));
            await Task.Delay(20).ConfigureAwait(false);
            var watch = Stopwatch.StartNew();
            using (var victim = Process.GetProcessById(generation.ProcessId))
            {
                victim.Kill();
            }

            try
            {
                await wait.ConfigureAwait(false);
                throw new InvalidOperationException("The wait ended without the death.");
            }
            catch (LiveProcessDiedException)
            {
                if (round > 0)
                {
                    handle.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            // The floor: the same app, started bare, killed the same way, its exit seen by .NET's own wait.
            using var bareApp = Process.Start(new ProcessStartInfo("dotnet", [TestAppPaths.Dll, "--port", "0"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            while (await bareApp.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line && !line.StartsWith("TestApp ready on ", StringComparison.Ordinal))
            {
            }

            _ = bareApp.StandardOutput.ReadToEndAsync();
            _ = bareApp.StandardError.ReadToEndAsync();
            var exited = bareApp.WaitForExitAsync();
            await Task.Delay(20).ConfigureAwait(false);
            watch.Restart();
            bareApp.Kill();
            await exited.ConfigureAwait(false);
            if (round > 0)
            {
                bare.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        report.Line($"Death detection during a wait: SIGKILL to the test app while `WaitForOutputAsync` waits for a line it will never write; time from the kill to the wait failing with `LiveProcessDiedException`. Floor: the same app started bare with `Process.Start`, SIGKILL, and `WaitForExitAsync` completing (a killed .NET app takes the kernel a while to tear down). {rounds} rounds.");
        report.Table(
            ["path", "median", "p90", "max"],
            [
                ["LiveProcess wait fails with the death", Report.Ms(Report.Median(handle)), Report.Ms(Report.Percentile(handle, 0.9)), Report.Ms(handle.Max())],
                ["bare Process.WaitForExitAsync of the same app (floor)", Report.Ms(Report.Median(bare)), Report.Ms(Report.Percentile(bare, 0.9)), Report.Ms(bare.Max())],
            ]);
    }
}
