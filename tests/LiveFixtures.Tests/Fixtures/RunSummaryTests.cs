using System.Diagnostics;
using LiveFixtures.Records;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>The end-of-run summary: one line per fixture, printed on the host's standard error when it exits.</summary>
public sealed class RunSummaryTests
{
    [Fact]
    public void Format_Lines_AreIndentedUnderTheHeading() =>
        Assert.Equal("LiveFixtures run summary:\n  LiveGui: 2 generations, 1 death — T, exit code 134 (SIGABRT)\n  Db: 1 generation, 0 deaths\n",
            RunSummary.Format(["LiveGui: 2 generations, 1 death — T, exit code 134 (SIGABRT)", "Db: 1 generation, 0 deaths"]));

    [Fact]
    public void Format_NoFixtureStarted_PrintsNothing() => Assert.Equal("", RunSummary.Format([]));

    [Fact]
    public void SummaryLines_FixturesOfTheRun_OneLinePerNameInStartOrderWithClassFixturesAddedUp()
    {
        // Names of this test's own: RunHealth holds the whole test host's fixtures.
        var first = $"RunSummaryTestsFirst{Guid.NewGuid():N}";
        var second = $"RunSummaryTestsSecond{Guid.NewGuid():N}";
        RunHealth.Update(first, "run", h => h.Generations++);
        RunHealth.Update(second, "run", h => h.Generations++);
        RunHealth.Update(first, "run", h =>
        {
            h.Generations++;
            h.Deaths.Add(new HealthDeath { Generation = 1, Cause = "exit code 134 (SIGABRT)", Test = "T" });
        });

        var lines = RunHealth.SummaryLines().Where(l => l.StartsWith(first, StringComparison.Ordinal) || l.StartsWith(second, StringComparison.Ordinal));
        Assert.Equal([$"{first}: 2 generations, 1 death — T, exit code 134 (SIGABRT)", $"{second}: 1 generation, 0 deaths"], lines);

        // What the display reads is a copy: changing it changes nothing.
        RunHealth.Snapshot(first)!.Deaths.Clear();
        Assert.Single(RunHealth.Snapshot(first)!.Deaths);
        Assert.Single(RunHealth.Snapshots(), s => s.Fixture == second);
        Assert.Null(RunHealth.Snapshot($"Never{Guid.NewGuid():N}"));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrintAtExit_HostEnds_PrintsEachFixturesLineLastOnStandardError()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(TestAppPaths.BuiltDll("LiveFixtures.HostExit"));
        info.ArgumentList.Add("summary");
        using var host = Process.Start(info)!;
        try
        {
            var errors = host.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await host.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await host.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(0, host.ExitCode);
            Assert.EndsWith(
                "last line of the host\nLiveFixtures run summary:\n  LiveGui: 2 generations, 1 death — CrashTests.Crash_KillsTheApp, exit code 134 (SIGABRT)\n  Db: 1 generation, 0 deaths\n",
                (await errors).ReplaceLineEndings("\n"),
                StringComparison.Ordinal);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill();
            }
        }
    }
}
