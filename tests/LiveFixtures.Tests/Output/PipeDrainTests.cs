using System.Text.RegularExpressions;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Output;

public sealed class PipeDrainTests
{

    [Fact(Timeout = 120_000)]
    public async Task RunAsync_LogFileOnAFullDisk_KeepsDrainingAndSaysSoOnce()
    {
        // The log file is /dev/full: every write fails with "No space left on device", as on a full disk.
        var logs = Directory.CreateTempSubdirectory("pipe-drain-tests-");
        try
        {
            File.CreateSymbolicLink(Path.Combine(logs.FullName, "FullDisk-gen1.log"), "/dev/full");
            await using var app = TestAppPaths.Builder("--noise-per-second", "1000")
                .WithName("FullDisk")
                .WithLogDirectory(logs.FullName)
                .WithOutputLimits(maxLines: 100_000, maxCharacters: 64 * 1024 * 1024)
                .WithStartupTimeout(TimeSpan.FromSeconds(30))
                .Build();

            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

            // 2,000 noise lines are more than a pipe holds (64 KiB): the drain went on after the file failed.
            var everything = new OutputMark(generation.Number, 0);
            await app.WaitForOutputAsync(new Regex("^noise 2000 "), everything, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            var reports = generation.Output.Since(everything).Where(l => l.Text.StartsWith("[LiveFixtures] The log file", StringComparison.Ordinal)).ToList();
            var report = Assert.Single(reports);
            Assert.Contains(Path.Combine(logs.FullName, "FullDisk-gen1.log"), report.Text, StringComparison.Ordinal);
            Assert.Contains("No space left on device", report.Text, StringComparison.Ordinal);
        }
        finally
        {
            logs.Delete(recursive: true);
        }
    }
}
