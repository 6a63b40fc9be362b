using System.Text.RegularExpressions;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>
/// Runs the example suite (tests/LiveFixtures.Suite: 44 classes on one assembly-scoped app, Class12 crashes it,
/// Class25 degrades it, plus four classes with their own class-scoped app) and checks its XML report.
/// </summary>
public sealed class SuiteRunTests(SuiteRuns runs) : IClassFixture<SuiteRuns>
{
    private const int TestTimeout = 150_000;

    // Not a speed goal: the library's waits default to 60 s, so a test far below that waited out no timeout.
    private static readonly TimeSpan NoTimeoutWaited = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FailsFast = TimeSpan.FromSeconds(2);

    // One trace line: UTC time, pid, [area], text (never empty, never a second line).
    private const string TraceLine = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z pid \d+ \[[a-z]+\] \S[^\n]*$";


    [Fact(Timeout = TestTimeout)]
    public async Task ParallelMode_SharedAppDiesUnderTestsInFlight_EveryTestInFlightIsToldAndNamed()
    {
        // The suite's own assertions assume a serial run (what a test clicked is what it reads back), so some of its
        // tests fail here; what is checked is the library: no hang, no disposed client, and every death is told to every
        // test that was in flight, each notice naming the others.
        var report = await runs.Parallel.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(44 + 8, report.Tests.Count);
        Assert.DoesNotContain(report.Tests, t => t.Failure?.Contains(nameof(ObjectDisposedException), StringComparison.Ordinal) == true);
        var told = report.Tests
            .SelectMany(t => t.Warnings.Where(w => w.Contains("during this test", StringComparison.Ordinal)).Select(w => (Test: t.Name, Warning: w)))
            .ToList();
        Assert.NotEmpty(told);

        // A test whose request failed because the shared app died under it was in flight then, so it was told.
        Assert.All(
            report.Tests.Where(t => t.Failure?.StartsWith("System.Net.Http.HttpRequestException", StringComparison.Ordinal) == true),
            t => Assert.Contains(told, n => n.Test == t.Name));
        foreach (var (test, warning) in told)
        {
            var generation = Regex.Match(warning, @"\(generation (\d+), pid").Groups[1].Value;
            var others = Regex.Match(warning, @"also in flight on this process: ([^;)]*)");
            foreach (var other in others.Success ? Regex.Matches(others.Groups[1].Value, "'([^']+)'").Select(m => m.Groups[1].Value) : [])
            {
                Assert.Contains(told, n => n.Test == other && n.Warning.Contains($"(generation {generation}, pid", StringComparison.Ordinal));
            }
        }
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_CrashAndDegradeOnTheSharedApp_EveryTestPasses()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);

        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Equal(44, report.SharedTests.Count);
        Assert.Equal(44 + 8, report.Tests.Count);
        Assert.All(report.Tests, t => Assert.True(t.Result == "Pass", $"{t.Name}: {t.Result}: {t.Failure}"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_CrashingTest_IsWarnedWithTheExitCodeAndGetsTheOutputAttached()
    {
        var crash = (await runs.Normal.WaitAsync(TestContext.Current.CancellationToken)).Test("Class12");
        const string Headline = "SuiteApp-NOTICE-gen1-died-during-this-test-exit-code-134-SIGABRT";

        var warning = Assert.Single(crash.Warnings);
        Assert.Contains("SuiteApp (generation 1, pid ", warning, StringComparison.Ordinal);
        Assert.Contains("died during this test", warning, StringComparison.Ordinal);
        Assert.Contains("exit code 134 (SIGABRT)", warning, StringComparison.Ordinal);
        Assert.Contains("IM_ASSERT failed: g.WithinFrameScope", warning, StringComparison.Ordinal);
        Assert.Equal([Headline, "SuiteApp-gen1-this-test.log", "SuiteApp-gen1.log"], crash.Attachments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(warning, crash.Attachments[Headline]);
        Assert.Contains("IM_ASSERT failed", crash.Attachments["SuiteApp-gen1-this-test.log"], StringComparison.Ordinal);
        Assert.DoesNotContain("clicked Class11", crash.Attachments["SuiteApp-gen1-this-test.log"], StringComparison.Ordinal);
        Assert.Contains("clicked Class11", crash.Attachments["SuiteApp-gen1.log"], StringComparison.Ordinal);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_FirstTestAfterTheCrash_IsToldWhichTestKilledTheApp()
    {
        var after = (await runs.Normal.WaitAsync(TestContext.Current.CancellationToken)).Test("Class13");

        var warning = Assert.Single(after.Warnings);
        Assert.Contains("died during test 'LiveFixtures.Suite.AssemblyScope.Class12.Crash_KillsTheSharedApp'", warning, StringComparison.Ordinal);
        Assert.Contains("exit code 134 (SIGABRT)", warning, StringComparison.Ordinal);
        Assert.Contains("This test starts on generation 2", warning, StringComparison.Ordinal);
        // dotnet test (Microsoft Testing Platform) lists attachments by default: the name tells what happened.
        const string Headline = "SuiteApp-NOTICE-respawned-gen2-after-gen1-died-exit-code-134-SIGABRT";
        Assert.Equal([Headline, "SuiteApp-gen1.log"], after.Attachments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(warning, after.Attachments[Headline]);
        TestContext.Current.TestOutputHelper?.WriteLine($"Class13 (respawns the app) took {after.Time.TotalMilliseconds:0} ms.");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_DegradingTestAndTheNext_AreWarned()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);
        var degrade = report.Test("Class25");
        var after = report.Test("Class26");

        var during = Assert.Single(degrade.Warnings);
        Assert.Contains("SuiteApp (generation 2, pid ", during, StringComparison.Ordinal);
        Assert.Contains("degraded during this test", during, StringComparison.Ordinal);
        Assert.Contains("answered 503", during, StringComparison.Ordinal);
        Assert.Contains(degrade.Attachments, a => a.Key.StartsWith("SuiteApp-NOTICE-gen2-degraded-during-this-test-alive-but-degraded", StringComparison.Ordinal) && a.Value == during);
        Assert.Equal(3, degrade.Attachments.Count);
        var next = Assert.Single(after.Warnings);
        Assert.Contains("degraded during test 'LiveFixtures.Suite.AssemblyScope.Class25.Degrade_BreaksTheSharedAppsClicks'", next, StringComparison.Ordinal);
        Assert.Contains("This test starts on generation 3", next, StringComparison.Ordinal);
        Assert.Contains(after.Attachments, a => a.Key.StartsWith("SuiteApp-NOTICE-respawned-gen3-after-gen2-degraded-alive-but-degraded", StringComparison.Ordinal) && a.Value == next);
        Assert.Equal(2, after.Attachments.Count);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_RunnerRunDirectly_ShowsTheNoticesInItsDefaultOutput()
    {
        // The suite's executable run directly (xUnit's in-process runner, its default reporter): warnings of passing tests
        // are printed under the test's name.
        var console = (await runs.Normal.WaitAsync(TestContext.Current.CancellationToken)).Console;

        Assert.Matches(@"Class12\.Crash_KillsTheSharedApp \[PASS\][\s\S]*?Warnings:\s*\S+ SuiteApp \(generation 1, pid \d+\) died during this test", console);
        Assert.Matches(@"Class13\.\w+ \[PASS\][\s\S]*?Warnings:\s*\S+ SuiteApp \(generation 1, pid \d+\) died during test 'LiveFixtures\.Suite\.AssemblyScope\.Class12\.Crash_KillsTheSharedApp'", console);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_RunEnds_PrintsOneSummaryLinePerFixtureNamingEachDeathsTest()
    {
        // The end-of-run summary goes to the host's standard error when it exits, after xUnit's own summary.
        var console = (await runs.Normal.WaitAsync(TestContext.Current.CancellationToken)).Console;

        Assert.Matches(@"=== TEST EXECUTION SUMMARY ===[\s\S]*LiveFixtures run summary:\s*\n\s*SuiteApp: \d+ generations, 2 deaths — LiveFixtures\.Suite\.AssemblyScope\.Class12\.Crash_KillsTheSharedApp, exit code 134 \(SIGABRT\); ", console);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_Trace_RecordsTheTierProbesRespawnReasonsStopsAndNotices()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);
        var lines = report.Trace.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.All(lines, l => Assert.Matches(TraceLine, l));
        Assert.Single(lines, l => l.Contains("[containment] tier ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[health] SuiteApp generation 1 (pid ", StringComparison.Ordinal) && l.Contains("readiness: healthy", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[respawn] SuiteApp: replacing generation 1 ", StringComparison.Ordinal) && l.Contains("died during test 'LiveFixtures.Suite.AssemblyScope.Class12.Crash_KillsTheSharedApp'", StringComparison.Ordinal) && l.Contains("exit code 134 (SIGABRT)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[health] SuiteApp generation 2 (pid ", StringComparison.Ordinal) && l.Contains("liveness attempt", StringComparison.Ordinal) && l.Contains("unhealthy", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[respawn] SuiteApp: replacing generation 2 ", StringComparison.Ordinal) && l.Contains("degraded", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[stop] SuiteApp generation 3 (pid ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[notice] told 'LiveFixtures.Suite.AssemblyScope.Class13.", StringComparison.Ordinal) && l.Contains("This test starts on generation 2", StringComparison.Ordinal));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task ParallelMode_Trace_EveryLineWholeAndEveryNoticeTraced()
    {
        // Four test threads and the exit watchers write at once: every line must still be whole, and none lost.
        var report = await runs.Parallel.WaitAsync(TestContext.Current.CancellationToken);
        var lines = report.Trace.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.All(lines, l => Assert.Matches(TraceLine, l));
        var notices = report.Tests.Sum(t => t.Warnings.Count(w => Regex.IsMatch(w, @"^\w+ \(generation \d+, pid \d+\)")));
        Assert.True(notices > 0, report.ToString());
        Assert.Equal(notices, lines.Count(l => l.Contains("[notice] told '", StringComparison.Ordinal)));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_EveryOtherTest_HasNoWarningAndNoAttachment()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);

        var quiet = report.Tests.Where(t => t.Class is not ("Class12" or "Class13" or "Class25" or "Class26")).ToList();

        Assert.Equal(report.Tests.Count - 4, quiet.Count);
        Assert.All(quiet, t => Assert.True(t.Warnings.Count == 0 && t.Attachments.Count == 0, $"{t.Name}: {string.Join(Environment.NewLine, t.Warnings)}"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_EveryTest_RunsOnTheGenerationAfterTheLastDeath()
    {
        var shared = (await runs.Normal.WaitAsync(TestContext.Current.CancellationToken)).SharedTests;

        var generations = shared.Select(t => t.Generation).ToList();
        var pids = shared.GroupBy(t => t.Generation).Select(g => Assert.Single(g.Select(t => t.Pid).Distinct())).ToList();

        Assert.Equal([.. Enumerable.Repeat(1, 12), .. Enumerable.Repeat(2, 13), .. Enumerable.Repeat(3, 19)], generations);
        Assert.Equal(3, pids.Distinct().Count());
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_NoTest_WaitsOutATimeout()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);

        Assert.All(report.Tests, t => Assert.True(t.Time < NoTimeoutWaited, $"{t.Name} took {t.Time.TotalSeconds:0.000} s"));
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_ClassFixtures_GiveEachClassItsOwnProcess()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);
        var sharedPids = report.SharedTests.Select(t => t.Pid).ToHashSet();

        var perClass = report.Tests.Where(t => t.Class.StartsWith("PerClass", StringComparison.Ordinal)).GroupBy(t => t.Class).ToList();
        var pids = perClass.Select(c => Assert.Single(c.Select(t => t.Pid).Distinct())).ToList();

        Assert.Equal(4, perClass.Count);
        Assert.All(perClass, c => Assert.Equal(2, c.Count()));
        Assert.Equal(4, pids.Distinct().Count());
        Assert.DoesNotContain(pids, sharedPids.Contains);
    }

    [Fact(Timeout = TestTimeout)]
    public async Task NormalMode_AfterTheRun_NoAppProcessIsLeft()
    {
        var report = await runs.Normal.WaitAsync(TestContext.Current.CancellationToken);

        var pids = report.Tests.Select(t => t.Pid).Distinct().ToList();

        Assert.Equal(3 + 4, pids.Count);
        try
        {
            Assert.All(pids, pid => Assert.False(OsProcess.IsRunning(pid), $"pid {pid} still runs"));
        }
        finally
        {
            pids.ForEach(OsProcess.KillQuietly);
        }
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BudgetMode_CrashLoop_UsesUpTheBudgetThenEveryTestFailsFast()
    {
        var report = await runs.Budget.WaitAsync(TestContext.Current.CancellationToken);
        var shared = report.SharedTests;

        // Generation 1 and the two respawns the budget allows each crash on their first click. The guard's check after
        // the test can run before the OS reports the exit (the sockets close first); it must still call it a crash.
        var crashing = shared.Take(3).ToList();
        var faulted = shared.Skip(3).ToList();

        Assert.True(report.ExitCode != 0, report.ToString());
        Assert.All(crashing, t => Assert.Equal("Fail", t.Result));
        Assert.All(crashing, t => Assert.Contains(t.Warnings, w => Regex.IsMatch(w, @"died during this test( \([^)]*\))?: exit code 134 \(SIGABRT\)")));

        // A failed test carries what it was told in its failure message too: the death may be the real cause.
        Assert.All(crashing, t => Assert.Contains("LiveFixtures.LiveProcessNoticeException", t.Failure, StringComparison.Ordinal));
        Assert.All(crashing, t => Assert.Contains("died during this test", t.Failure, StringComparison.Ordinal));
        Assert.Equal(41, faulted.Count);
        Assert.All(faulted, t =>
        {
            Assert.Equal("Fail", t.Result);
            Assert.StartsWith("LiveFixtures.LiveProcessFaultedException", t.Failure, StringComparison.Ordinal);
            Assert.Contains("restart budget (2 respawns within 600 s) is used up", t.Failure, StringComparison.Ordinal);
            Assert.True(t.Time < FailsFast, $"{t.Name} took {t.Time.TotalSeconds:0.000} s to fail");
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"Faulted tests took {faulted.Min(t => t.Time).TotalMilliseconds:0.0} to {faulted.Max(t => t.Time).TotalMilliseconds:0.0} ms.");
    }

    [Fact(Timeout = TestTimeout)]
    public async Task BudgetMode_ClassFixtures_AreNotTouchedByTheSharedAppsBudget()
    {
        var report = await runs.Budget.WaitAsync(TestContext.Current.CancellationToken);

        var perClass = report.Tests.Where(t => t.Class.StartsWith("PerClass", StringComparison.Ordinal)).ToList();

        Assert.Equal(8, perClass.Count);
        Assert.All(perClass, t => Assert.True(t.Result == "Pass", $"{t.Name}: {t.Failure}"));
    }
}
