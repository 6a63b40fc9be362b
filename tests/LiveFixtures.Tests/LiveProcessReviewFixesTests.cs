using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>Edge cases found in review: shared start failures, same-named handles, listener failures, output ports.</summary>
public sealed class LiveProcessReviewFixesTests
{

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_CallersWaitingOnAFailingStart_ShareItsFailure()
    {
        await using var app = TestAppPaths.Builder("--exit-during-startup", "3", "--startup-delay-ms", "300").WithStartRetries(0).Build();

        var callers = Enumerable.Range(0, 8).Select(_ => app.EnsureReadyAsync(TestContext.Current.CancellationToken)).ToArray();
        var errors = await Task.WhenAll(callers.Select(c => Assert.ThrowsAsync<LiveProcessStartException>(() => c)));

        Assert.Equal(1, app.GenerationCount);
        Assert.All(errors, e => Assert.Contains("exit code 3", e.Message, StringComparison.Ordinal));
        await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, app.GenerationCount); // a caller arriving after the failure tries again
    }

    [Fact(Timeout = 60_000)]
    public async Task Workspace_TwoHandlesWithOneName_GetTheirOwnDirectories()
    {
        await using var a = new LiveProcessBuilder("/bin/sleep").WithName("Same").WithArguments("60").WithWorkspace().Build();
        await using var b = new LiveProcessBuilder("/bin/sleep").WithName("Same").WithArguments("60").WithWorkspace().Build();

        var first = await a.EnsureReadyAsync(TestContext.Current.CancellationToken);
        var second = await b.EnsureReadyAsync(TestContext.Current.CancellationToken);
        await b.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(first.WorkspacePath, second.WorkspacePath);
        Assert.True(Directory.Exists(first.WorkspacePath), "stopping one handle deleted the other's live workspace");
    }

    [Fact]
    public void Append_ListenerThrows_OtherListenersAndTheRingCarryOn()
    {
        var log = new OutputLog(1, maxLines: 10, maxChars: 1000, TimeProvider.System, file: null);
        var seen = new List<string>();
        using var bad = log.Subscribe(_ => throw new ObjectDisposedException("waiter"), 0, replay: false);
        using var good = log.Subscribe(l => seen.Add(l.Text), 0, replay: false);

        log.Append(OutputSource.StdOut, "one");
        log.Append(OutputSource.StdOut, "two");

        Assert.Equal(["one", "two"], seen);
        Assert.Equal(2, log.TotalLines);
    }

    [Fact(Timeout = 60_000)]
    public async Task Tcp_PortReadFromOutput_IsUsableDuringReadiness()
    {
        await using var app = new LiveProcessBuilder("dotnet")
            .WithArguments(TestAppPaths.Dll, "--port", "0")
            .WithPortFromOutput()
            .WithReadiness(Probe.All(Probe.OutputLine(@"^TestApp ready on http://127\.0\.0\.1:(?<port>\d+)"), Probe.Tcp()))
            .WithStartupTimeout(TimeSpan.FromSeconds(30))
            .Build();

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.True(generation.Port > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task StateChanged_HandlerThrows_DeathIsStillRecordedAndWaitersWake()
    {
        await using var app = TestAppPaths.Builder().Build();
        app.StateChanged += (_, _) => throw new InvalidOperationException("a careless subscriber");
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };

        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "exit/9");
        var exit = await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(9, exit.ExitCode);
        Assert.Equal(LiveProcessState.Dead, app.State);
        Assert.Equal(2, (await app.EnsureReadyAsync(TestContext.Current.CancellationToken)).Number);
    }
}
