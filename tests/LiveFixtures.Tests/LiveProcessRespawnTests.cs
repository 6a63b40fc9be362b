using LiveFixtures.Extensibility;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessRespawnTests
{

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_AfterCrash_RespawnsAndReportsExitCodeSignalAndOutput()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "crash");
        var exit = await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(LiveProcessState.Dead, app.State);

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(134, exit.ExitCode);
        Assert.Equal("SIGABRT", exit.SignalName);
        Assert.Equal(2, second.Number);
        Assert.NotEqual(first.ProcessId, second.ProcessId);
        var previous = second.Previous!;
        Assert.Equal(DeathCause.Exited, previous.Cause);
        Assert.Equal(134, previous.ExitCode);
        Assert.Equal(first.ProcessId, previous.ProcessId);
        Assert.Contains(previous.OutputTail, l => l.Text.Contains("IM_ASSERT failed", StringComparison.Ordinal));
        Assert.Contains("exit code 134 (SIGABRT)", previous.ToString(), StringComparison.Ordinal);
        Assert.False(OsProcess.IsRunning(first.ProcessId));
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_AfterDegrade_ReplacesLiveButFailingGeneration()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        (await http.PostAsync("degrade", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        using var click = await http.PostAsync("click/ok", null, TestContext.Current.CancellationToken);
        Assert.Equal(500, (int)click.StatusCode);

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var previous = second.Previous!;
        Assert.Equal(DeathCause.Degraded, previous.Cause);
        Assert.Contains("503", previous.ProbeResult!.Value.Description, StringComparison.Ordinal);
        Assert.Contains("cannot schedule new futures after shutdown", previous.DescribeCause(), StringComparison.Ordinal);
        Assert.False(OsProcess.IsRunning(first.ProcessId), "the degraded generation is stopped, not left running");
        using var http2 = new HttpClient { BaseAddress = second.BaseAddress };
        Assert.Equal(200, (int)(await http2.PostAsync("click/ok", null, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckAsync_HungApp_IsDegradedWithinLivenessTimeout()
    {
        await using var app = TestAppPaths.Builder()
            .WithLiveness(Probe.Http("/health"), TimeSpan.FromMilliseconds(500))
            .Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromSeconds(1) };
        _ = http.PostAsync("hang", null, TestContext.Current.CancellationToken);
        await app.WaitForOutputAsync(new System.Text.RegularExpressions.Regex("^hanging"), new OutputMark(1, 0), cancellationToken: TestContext.Current.CancellationToken);

        var death = await app.CheckAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(death);
        Assert.Equal(DeathCause.Degraded, death.Cause);
        Assert.Contains("hung", death.DescribeCause(), StringComparison.Ordinal);
        Assert.Equal(LiveProcessState.Degraded, app.State);
        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, second.Number);
    }

    [Fact(Timeout = 90_000)]
    public async Task EnsureReadyAsync_64CallersRaceAfterCrash_ExactlyOneRespawn()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "crash");
        await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
        using var gate = new ManualResetEventSlim();

        var callers = Enumerable.Range(0, 64)
            .Select(_ => Task.Run(async () => { gate.Wait(TestContext.Current.CancellationToken); return await app.EnsureReadyAsync(TestContext.Current.CancellationToken); }, TestContext.Current.CancellationToken))
            .ToArray();
        gate.Set();
        var generations = await Task.WhenAll(callers);

        Assert.All(generations, g => Assert.Equal(2, g.Number));
        Assert.Single(generations.Select(g => g.ProcessId).Distinct());
        Assert.Equal(2, app.GenerationCount);
    }

    [Fact(Timeout = 90_000)]
    public async Task EnsureReadyAsync_CrashLoopBeyondBudget_FaultsAndFailsFastListingDeaths()
    {
        await using var app = TestAppPaths.Builder("--crash-after-clicks", "1")
            .WithRestartBudget(2, TimeSpan.FromMinutes(5))
            .Build();
        for (var i = 0; i < 3; i++)
        {
            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            using var http = new HttpClient { BaseAddress = generation.BaseAddress };
            await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "click/boom");
            await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);
        }

        var error = await Assert.ThrowsAsync<LiveProcessFaultedException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));
        var again = await Assert.ThrowsAsync<LiveProcessFaultedException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Equal(LiveProcessState.Faulted, app.State);
        Assert.Equal(3, error.Deaths.Count);
        Assert.All(error.Deaths, d => Assert.Equal(134, d.ExitCode));
        Assert.Contains("2 respawns within 300 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("generation 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, app.GenerationCount);
        Assert.Equal(error.Deaths.Count, again.Deaths.Count);
        await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(4, (await app.EnsureReadyAsync(TestContext.Current.CancellationToken)).Number);
    }
}
