using System.Net.Http.Json;
using System.Text.RegularExpressions;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessLifecycleTests
{

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_TestApp_StartsReadyOnAllocatedPort()
    {
        await using var app = TestAppPaths.Builder().Build();
        Assert.Equal(LiveProcessState.NotStarted, app.State);

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(LiveProcessState.Ready, app.State);
        Assert.Equal(1, generation.Number);
        Assert.Null(generation.Previous);
        Assert.True(OsProcess.IsRunning(generation.ProcessId));
        Assert.Equal(new Uri($"http://127.0.0.1:{generation.Port}/"), generation.BaseAddress);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        var state = await http.GetFromJsonAsync<Dictionary<string, object>>("state", TestContext.Current.CancellationToken);
        Assert.Equal(generation.ProcessId.ToString(), state!["pid"].ToString());
        Assert.Contains(app.Output!.Tail(), l => l.Text.Contains($"pid {generation.ProcessId}", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_CalledAgainWhileHealthy_ReturnsSameGeneration()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Same(first, second);
        Assert.Equal(1, app.GenerationCount);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_PortChosenByApp_IsReadFromReadyLine()
    {
        await using var app = new LiveProcessBuilder("dotnet")
            .WithArguments(TestAppPaths.Dll, "--port", "0")
            .WithPortFromOutput()
            .WithReadiness(Probe.OutputLine(@"^TestApp ready on http://127\.0\.0\.1:(?<port>\d+)"))
            .WithBaseAddress("http://127.0.0.1:{port}/")
            .WithLiveness(Probe.Http("/health"))
            .Build();

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.True(generation.Port > 0);
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(new Uri(generation.BaseAddress!, "health"), TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_HealthyApp_StopsGracefullyAndLeavesNothing()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var report = await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(StopOutcome.Graceful, report.Outcome);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal(LiveProcessState.Stopped, app.State);
        Assert.False(OsProcess.IsRunning(generation.ProcessId));
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_NeverStarted_IsNoOpAndDisposeTwiceIsFine()
    {
        var app = TestAppPaths.Builder().Build();

        var report = await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);
        await app.DisposeAsync();
        await app.DisposeAsync();

        Assert.Equal(StopOutcome.NotStarted, report.Outcome);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_AfterStop_StartsAgainWithoutCountingARespawn()
    {
        await using var app = TestAppPaths.Builder().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, second.Number);
        Assert.NotEqual(first.ProcessId, second.ProcessId);
        Assert.Null(second.Previous);
        Assert.Equal(LiveProcessState.Ready, app.State);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_CancelledWhileStarting_LeavesNoProcessBehind()
    {
        await using var app = TestAppPaths.Builder("--startup-delay-ms", "20000").Build();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var starting = app.EnsureReadyAsync(cancel.Token);
        var line = await app.WaitForOutputAsync(new Regex("^starting"), new OutputMark(1, 0), cancellationToken: TestContext.Current.CancellationToken);
        var pid = app.ProcessId!.Value;

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);
        Assert.False(OsProcess.IsRunning(pid));
        Assert.Equal(LiveProcessState.Stopped, app.State);
    }

    [Fact(Timeout = 60_000)]
    public async Task Workspace_FreshPerGeneration_DeletedAfterCleanStopKeptAfterDeath()
    {
        await using var app = TestAppPaths.Builder("--state-dir", "{workspace}").WithWorkspace().Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(first.WorkspacePath!, "app.pid")));
        await File.WriteAllTextAsync(Path.Combine(first.WorkspacePath!, "half-written.tmp"), "x", TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        await PostIgnoringDisconnectAsync(http, "crash");
        await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.NotEqual(first.WorkspacePath, second.WorkspacePath);
        Assert.Equal(first.WorkspacePath, second.Previous!.WorkspacePath);
        Assert.True(Directory.Exists(first.WorkspacePath), "a dead generation's workspace is kept for inspection");
        Assert.DoesNotContain(second.Output.Tail(), l => l.Text.Contains("found stale file", StringComparison.Ordinal));
        await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(second.WorkspacePath), "a cleanly stopped generation's workspace is deleted");
        Directory.Delete(first.WorkspacePath!, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task WaitForOutputAsync_LineAfterMark_IsFound()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        var mark = app.Output!.Mark();
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        (await http.PostAsync("click/ok", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var line = await app.WaitForOutputAsync(new Regex("clicked ok"), mark, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("clicked ok", line.Text);
    }

    internal static async Task PostIgnoringDisconnectAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.PostAsync(path, null, TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException)
        {
            // The app may drop the connection as it dies.
        }
    }
}
