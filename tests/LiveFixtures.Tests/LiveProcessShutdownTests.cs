using System.Net.Http.Json;
using LiveFixtures.FluentAssertions;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>Graceful-shutdown cases against the test app: cancelled work tells its clients, SIGTERM drains, a stuck task is killed.</summary>
public sealed class LiveProcessShutdownTests
{

    [Fact(Timeout = 60_000)]
    public async Task CancellingLongTask_SendsCancelledEventToClients()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var events = await http.GetAsync("events", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        using var client = new CancellationTokenSource();
        var mark = app.Output!.Mark();
        var work = http.PostAsync("work?ms=30000&id=job1", null, client.Token);
        await app.WaitForOutputAsync(new System.Text.RegularExpressions.Regex("job1"), mark, cancellationToken: TestContext.Current.CancellationToken);

        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => work);
        Assert.Equal("data: cancelled job1", await ReadEventAsync(reader));
    }

    [Fact(Timeout = 60_000)]
    public async Task Sigterm_DrainsInFlightWorkWithinGrace()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var mark = app.Output!.Mark();
        var work = http.PostAsync("work?ms=30000&id=job2", null, TestContext.Current.CancellationToken);
        await app.WaitForOutputAsync(new System.Text.RegularExpressions.Regex("job2"), mark, cancellationToken: TestContext.Current.CancellationToken);

        var report = await app.StopAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        report.Should().BeGracefulWithin(TimeSpan.FromSeconds(10)).And.HaveExitCode(0).And.HaveLogged("drained 1 in-flight");
        using var answer = await work;
        Assert.Equal(503, (int)answer.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task StuckTask_IsKilledAfterGrace()
    {
        await using var app = TestAppPaths.Builder("--stuck-work").Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var mark = app.Output!.Mark();
        _ = http.PostAsync("work?id=stuck", null, TestContext.Current.CancellationToken);
        await app.WaitForOutputAsync(new System.Text.RegularExpressions.Regex("stuck"), mark, cancellationToken: TestContext.Current.CancellationToken);

        var report = await app.StopAsync(TimeSpan.FromMilliseconds(800), TestContext.Current.CancellationToken);

        Assert.Equal(StopOutcome.Killed, report.Outcome);
        Assert.Equal(137, report.ExitCode);
        Assert.False(OsProcess.IsRunning(generation.ProcessId));
    }

    private static async Task<string?> ReadEventAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
        {
            if (line.StartsWith("data: cancelled", StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }
}
