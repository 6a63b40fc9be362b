using LiveFixtures.Extensibility;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>Health that tells the truth: slow is not dead, killed is not healthy, a death is pinned only on what is known.</summary>
public sealed class LiveProcessHealthTests
{
    private const string SigKill = "KILL";
    private const string SigStop = "STOP";
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    // Item 3: slow is not dead.

    [Fact(Timeout = 60_000)]
    public async Task CheckAsync_OneSlowAnswer_StaysReady()
    {
        // The first liveness attempt waits for a real 1.5 s request to the app, past the 0.5 s timeout; the next one is quick.
        Uri? baseAddress = null;
        var attempts = 0;
        var probe = Probe.Custom("slow once, then GET /health", async (_, cancellationToken) =>
        {
            using var http = new HttpClient { BaseAddress = baseAddress };
            var path = Interlocked.Increment(ref attempts) == 1 ? "work?ms=1500" : "health";
            using var response = path == "health"
                ? await http.GetAsync(path, cancellationToken)
                : await http.PostAsync(path, null, cancellationToken);
            return response.IsSuccessStatusCode;
        });
        await using var app = TestAppPaths.Builder().WithLiveness(probe, TimeSpan.FromMilliseconds(500)).Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        baseAddress = first.BaseAddress;

        var death = await app.CheckAsync(TestContext.Current.CancellationToken);

        Assert.Null(death);
        Assert.True(attempts >= 2, $"the slow attempt was followed by another ({attempts} attempts)");
        Assert.Equal(LiveProcessState.Ready, app.State);
        Assert.Equal(first.ProcessId, (await app.EnsureReadyAsync(TestContext.Current.CancellationToken)).ProcessId);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckAsync_AppAnswersUnhealthy_IsDegradedAfterTheThresholdOfAnswers()
    {
        await using var app = TestAppPaths.Builder()
            .WithLiveness(Probe.Http("/health"), new LivenessOptions { FailureThreshold = 4, RetryInterval = TimeSpan.FromMilliseconds(10) })
            .Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        (await http.PostAsync("degrade", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var death = await app.CheckAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(death);
        Assert.Equal(DeathCause.Degraded, death.Cause);
        Assert.Contains("answered unhealthy 4 times in a row", death.DescribeCause(), StringComparison.Ordinal);
        Assert.Contains("503", death.DescribeCause(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckAsync_AppStoppedBySigstop_IsDegradedAfterOneTimeoutAndSaysStopped()
    {
        await using var app = TestAppPaths.Builder()
            .WithLiveness(Probe.Http("/health"), new LivenessOptions { Timeout = TimeSpan.FromMilliseconds(500), FailureThreshold = 5 })
            .Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        var firstStart = OsProcess.StartTicks(first.ProcessId);
        try
        {
            Signal(app, first, SigStop);

            var death = await app.CheckAsync(TestContext.Current.CancellationToken);

            Assert.NotNull(death);
            Assert.Equal(DeathCause.Degraded, death.Cause);
            Assert.Contains("stopped (state T", death.DescribeCause(), StringComparison.Ordinal);
            Assert.DoesNotContain("in a row", death.DescribeCause(), StringComparison.Ordinal);
            var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken);
            Assert.Equal(2, second.Number);
            Assert.False(OsProcess.IsRunning(first.ProcessId), "the stopped generation is killed, not left behind");
        }
        finally
        {
            // By pid and start time: once it is gone, its pid may be another test's process.
            if (firstStart is { } start)
            {
                HostRun.KillSurvivors([(first.ProcessId, start)]);
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_AfterDegrade_StopsTheDegradedGenerationWithTheGrace()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        (await http.PostAsync("degrade", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DeathCause.Degraded, second.Previous!.Cause);
        Assert.Contains(first.Output.Tail(), l => l.Text.StartsWith("shutting down", StringComparison.Ordinal));
        Assert.False(OsProcess.IsRunning(first.ProcessId));
    }

    [Fact]
    public void Build_BadLivenessAndSettleOptions_ListsEveryProblemWithItsFix()
    {
        var builder = TestAppPaths.Builder()
            .WithLiveness(Probe.Http("/health"), new LivenessOptions { FailureThreshold = 0, RetryInterval = TimeSpan.FromSeconds(-1), Timeout = TimeSpan.Zero })
            .WithSettleAfterTest(TimeSpan.FromSeconds(11));

        var error = Assert.Throws<LiveProcessConfigurationException>(builder.Build);

        Assert.Contains("liveness failure threshold is 0, but it must be 1 to 10", error.Message, StringComparison.Ordinal);
        Assert.Contains("liveness retry interval", error.Message, StringComparison.Ordinal);
        Assert.Contains("liveness timeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("WithSettleAfterTest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LivenessOptions_Defaults_AreDocumentedValues()
    {
        var options = new LivenessOptions();

        Assert.Equal(TimeSpan.FromSeconds(2), options.Timeout);
        Assert.Equal(3, options.FailureThreshold);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.RetryInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(6200), options.MaxCheckDuration);
    }

    // Item 2: deaths pinned on the next test.

    [Fact(Timeout = 60_000)]
    public async Task WhenExited_ExitShortlyAfterATestEnded_IsBetweenTestsAfterIt()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        using (app.TrackTest("T"))
        {
            // The app answers, then exits 20 ms later: after T has ended.
            (await http.PostAsync("exit/3", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        var death = await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
        var next = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Null(death.TestName);
        Assert.Empty(death.TestsInFlight);
        Assert.Equal("T", death.PreviousTestName);
        Assert.StartsWith("between tests, ", death.DescribeWhen(), StringComparison.Ordinal);
        Assert.Contains("after 'T' ended", death.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("between tests", next.Previous!.DescribeWhen(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task WhenExited_ExitLandsInsideTheNextTest_SaysHowFarIntoItAndAfterThePrevious()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        using (app.TrackTest("T"))
        {
            (await http.PostAsync("exit/3", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        DeathRecord death;
        using (app.TrackTest("U"))
        {
            death = await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal("U", death.TestName);
        Assert.Equal(["U"], death.TestsInFlight);
        Assert.Equal("T", death.PreviousTestName);
        Assert.NotNull(death.TimeIntoTest);
        Assert.True(death.TimeAfterPreviousTest >= death.TimeIntoTest, "T ended before U began");
        Assert.Matches(@"^during test 'U' \(\d+ ms into it, \d+ ms after 'T' ended\)$", death.DescribeWhen());
    }

    [Fact(Timeout = 60_000)]
    public async Task BeginTestAsync_DeathNoticedBeforeTheTestStarts_IsNeverBlamedOnIt()
    {
        var fixture = new AppFixture();
        await fixture.InitializeAsync();
        try
        {
            var scope = await fixture.BeginTestAsync(TestContext.Current.CancellationToken);
            await scope.DisposeAsync();

            // The exit is asked for after the test ended (asking inside it raced the after-test check on a loaded
            // machine: the app exits 20 ms after answering), so the death falls between tests for sure.
            (await fixture.Http.PostAsync("exit/3", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            await fixture.Process.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

            var next = await fixture.BeginTestAsync(TestContext.Current.CancellationToken);
            await next.DisposeAsync();

            var death = Assert.Single(fixture.Process.Deaths);
            Assert.Null(death.TestName);
            var warnings = TestContext.Current.Warnings ?? [];
            Assert.Contains(warnings, w => w.Contains("died between tests, ", StringComparison.Ordinal) && w.Contains("This test starts on generation 2", StringComparison.Ordinal));
            Assert.DoesNotContain(warnings, w => w.Contains("during this test", StringComparison.Ordinal));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task EndTestAsync_SettleWindow_RecordsADelayedExitAgainstTheTestThatCausedIt()
    {
        var fixture = new AppFixture(settle: TimeSpan.FromSeconds(2));
        await fixture.InitializeAsync();
        try
        {
            var scope = await fixture.BeginTestAsync(TestContext.Current.CancellationToken);
            (await fixture.Http.PostAsync("exit/3", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

            await scope.DisposeAsync();

            var death = Assert.Single(fixture.Process.Deaths);
            Assert.Equal(TestContext.Current.Test!.TestDisplayName, death.TestName);
            Assert.Equal(3, death.ExitCode);
            Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("died during this test", StringComparison.Ordinal));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    // Item 1: killed processes look healthy.

    [Theory(Timeout = 240_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EnsureReadyAsync_RightAfterSigkill_NeverReturnsTheDeadGeneration(bool tcpLiveness)
    {
        var builder = TestAppPaths.Builder().WithRestartBudget(100, TimeSpan.FromMinutes(10)).WithStopGrace(TimeSpan.Zero);
        builder = tcpLiveness ? builder.WithLiveness(Probe.Tcp()) : builder.WithLivenessCheckOnEnsure(false);
        await using var app = builder.Build();
        var handedOutDead = new List<int>();
        const int Rounds = 15;
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        for (var round = 0; round < Rounds; round++)
        {
            // Seen once, so that the liveness probe runs on the next call (it is skipped for a generation the caller never saw).
            generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            Signal(app, generation, SigKill);

            var next = await app.EnsureReadyAsync(TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken);

            if (next.Number == generation.Number)
            {
                handedOutDead.Add(generation.Number);
            }
            else
            {
                Assert.Equal(generation.Number, next.Previous!.Generation);
                Assert.Equal("SIGKILL", next.Previous.SignalName);
            }
        }

        Assert.Empty(handedOutDead);
        Assert.Equal(Rounds + 1, app.GenerationCount);
    }

    // Item 5: parallel tests on one fixture.

    [Fact(Timeout = 60_000)]
    public async Task Http_OldGenerationsClientAfterARespawn_IsNotDisposedUnderAParallelTest()
    {
        var fixture = new AppFixture();
        await fixture.InitializeAsync();
        try
        {
            var olderClient = fixture.Http;
            await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(olderClient, "crash");
            await fixture.Process.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
            await fixture.EnsureReadyAsync(TestContext.Current.CancellationToken);
            Assert.NotSame(olderClient, fixture.Http);

            // A parallel test still holding the old client sees the death (connection refused), not a disposed client.
            await Assert.ThrowsAsync<HttpRequestException>(() => olderClient.GetAsync("health", TestContext.Current.CancellationToken));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task WhenExited_SharedProcessDiesUnderParallelTests_NamesEveryTestInFlight()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        using var a = app.TrackTest("A");
        using var b = app.TrackTest("B");
        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "crash");

        var death = await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["A", "B"], death.TestsInFlight);
        Assert.Contains("during test 'A, B'", death.ToString(), StringComparison.Ordinal);
    }

    private static void Signal(LiveProcess app, LiveGeneration generation, string signal)
    {
        // Only our own child: the handle's current pid of this very generation, still running.
        Assert.Equal(generation.ProcessId, app.ProcessId);
        var start = new System.Diagnostics.ProcessStartInfo("/bin/kill") { ArgumentList = { "-s", signal, generation.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        using var kill = System.Diagnostics.Process.Start(start)!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private sealed class AppFixture(TimeSpan? settle = null) : LiveProcessFixture
    {
        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) =>
            TestAppPaths.Builder().WithName(Name).WithSettleAfterTest(settle ?? TimeSpan.Zero);
    }
}
