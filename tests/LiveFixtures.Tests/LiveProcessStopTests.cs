using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessStopTests
{

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StopAsync_AppSpawnedGrandchild_LeavesNoSurvivors(bool setsid)
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        var reply = await http.PostAsync($"spawn-child?setsid={setsid.ToString().ToLowerInvariant()}&seconds=600", null, TestContext.Current.CancellationToken);
        var child = (await reply.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("pid").GetInt32();
        var childStart = OsProcess.StartTicks(child);
        try
        {
            Assert.True(OsProcess.IsRunning(child));

            var report = await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

            Assert.False(OsProcess.IsRunning(child), $"grandchild {child} survived the stop");
            Assert.False(OsProcess.IsRunning(generation.ProcessId));
            Assert.True(report.DescendantsKilled >= (setsid ? 1 : 0));
        }
        finally
        {
            // By pid and start time: once it is gone, its pid may be another test's process.
            if (childStart is { } start)
            {
                HostRun.KillSurvivors([(child, start)]);
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_AppIgnoresSigterm_IsKilledAfterGrace()
    {
        await using var app = TestAppPaths.Builder("--ignore-sigterm").Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var report = await app.StopAsync(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);

        Assert.Equal(StopOutcome.Killed, report.Outcome);
        Assert.Equal(137, report.ExitCode);
        Assert.Contains(report.OutputDuringStop, l => l.Text.Contains("SIGTERM ignored", StringComparison.Ordinal));
        Assert.False(OsProcess.IsRunning(generation.ProcessId));
    }

    [Fact(Timeout = 60_000)]
    public async Task StopAsync_AlreadyCrashed_ReportsAlreadyExited()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "exit/5");
        await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        var report = await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(StopOutcome.AlreadyExited, report.Outcome);
        Assert.Equal(5, report.ExitCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Output_ChattyChild_NeverBlocksAndStaysBounded()
    {
        // 20 MB of output in 100-character lines, then a marker: if the pipe were not drained, the child would block.
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "head -c 20000000 /dev/zero | tr '\\0' x | fold -w 100; echo; echo done-writing; exec sleep 600")
            .WithOutputLimits(maxLines: 2000, maxCharacters: 100_000)
            .Build();
        await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        await app.WaitForOutputAsync(new Regex("^done-writing$"), new OutputMark(1, 0), TimeSpan.FromSeconds(50), TestContext.Current.CancellationToken);

        var output = app.Output!;
        Assert.True(output.TotalLines > 200_000);
        Assert.True(output.CharactersHeld <= 100_000 + 200);
        Assert.True(output.Tail(int.MaxValue).Count <= 2000);
        Assert.True(output.DroppedLines > 190_000);
    }

    [Fact(Timeout = 60_000)]
    public async Task Ports_TwoHandlesAtOnce_GetDifferentPorts()
    {
        await using var a = TestAppPaths.Builder().Build();
        await using var b = TestAppPaths.Builder().Build();

        var generations = await Task.WhenAll(a.EnsureReadyAsync(TestContext.Current.CancellationToken), b.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.NotEqual(generations[0].Port, generations[1].Port);
    }

    [Fact(Timeout = 60_000)]
    public async Task LogDirectory_WritesFullLogPerGeneration()
    {
        var dir = Directory.CreateTempSubdirectory("livefixtures-logs").FullName;
        try
        {
            await using var app = TestAppPaths.Builder().WithLogDirectory(dir).Build();
            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

            var log = await File.ReadAllTextAsync(Path.Combine(dir, "TestApp-gen1.log"), TestContext.Current.CancellationToken);

            Assert.Contains($"TestApp ready on http://127.0.0.1:{generation.Port}", log, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(dir, "TestApp-gen1.log"), generation.Output.FilePath);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
