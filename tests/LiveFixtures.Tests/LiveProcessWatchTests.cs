using System.Diagnostics;
using LiveFixtures.Testing;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessWatchTests
{

    [Fact(Timeout = 60_000)]
    public async Task Eventually_WatchingTestApp_FailsAtOnceWhenItCrashes()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        var options = new WaitOptions { Timeout = TimeSpan.FromMinutes(5), Watch = [app.AsWatchable()], Description = "the dialog to open" };
        var waiting = Wait.EventuallyAsync(() => false, options, TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();

        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "crash");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => waiting);
        var failedAt = clock.Elapsed;
        var failedWall = DateTimeOffset.UtcNow;
        var exit = await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        Assert.IsType<TimingAssertionException>(error);
        Assert.Contains("exit code 134 (SIGABRT)", error.Message, StringComparison.Ordinal);
        Assert.Contains("IM_ASSERT failed", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < options.Timeout / 10, $"the wait ran {clock.Elapsed}, as if it waited for its timeout");
        TestContext.Current.TestOutputHelper?.WriteLine($"wait failed {failedAt.TotalMilliseconds:0} ms after the crash request and {(failedWall - exit.At).TotalMilliseconds:0} ms after the exit was noticed");
    }
}
