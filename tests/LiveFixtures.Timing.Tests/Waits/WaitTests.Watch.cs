using LiveFixtures.Extensibility;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class WaitTests
{
    [Fact]
    public async Task EventuallyAsync_WatchedTaskFaultsAfterTwoSeconds_FailsAtOnceWithTheDeath()
    {
        var pump = Pump(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.EventuallyAsync(
            () => false,
            new WaitOptions { TimeProvider = _clock, Timeout = TimeSpan.FromSeconds(30), Watch = [Watchable.ForTask(pump, "the message pump")] },
            TestContext.Current.CancellationToken)));

        Assert.StartsWith("Stopped waiting for the condition after 2 s, because the message pump died: faulted with InvalidOperationException: pump crashed.", error.Message, StringComparison.Ordinal);
        Assert.Contains("did not run out its 30 s", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), Elapsed);
    }

    [Fact]
    public async Task EventuallyAsync_WatchedTaskAlreadyCompleted_FailsWithoutProbing()
    {
        var probes = 0;

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Drive(Wait.EventuallyAsync(
            () => ++probes > 100,
            new WaitOptions { TimeProvider = _clock, Watch = [Watchable.ForTask(Task.CompletedTask, "the worker")] },
            TestContext.Current.CancellationToken)));

        Assert.Contains("because the worker died: completed, although it was expected to keep running", error.Message, StringComparison.Ordinal);
        Assert.Contains("No observation was made.", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, probes);
    }

    [Fact]
    public async Task ConsistentlyAsync_WatchedTaskIsCanceled_FailsAtOnce()
    {
        using var stop = new CancellationTokenSource();
        var worker = Task.Delay(Timeout.InfiniteTimeSpan, _clock, stop.Token);
        var check = Wait.ConsistentlyAsync(
            () => true,
            TimeSpan.FromMinutes(1),
            new WaitOptions { TimeProvider = _clock, Watch = [Watchable.ForTask(worker, "the worker")] },
            TestContext.Current.CancellationToken);
        await _clock.AdvanceAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        stop.Cancel();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => check);
        Assert.StartsWith("Stopped checking that the condition keeps holding after 1 s, because the worker died: was canceled.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventuallyAsync_CustomWatchableDies_FailsWithItsDescription()
    {
        var app = new FakeApp();
        var wait = Wait.EventuallyAsync(
            () => false, new WaitOptions { TimeProvider = _clock, Watch = [Watchable.ForTask(Task.Delay(Timeout.Infinite, TestContext.Current.CancellationToken), "a healthy worker"), app] }, TestContext.Current.CancellationToken);
        await _clock.AdvanceAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        app.Die("exit code 134 (SIGABRT)\nLast output:\n  IM_ASSERT failed");

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => wait);
        Assert.StartsWith("Stopped waiting for the condition after 1 s, because LiveGui (generation 2) died: exit code 134 (SIGABRT).", error.Message, StringComparison.Ordinal);
        Assert.Contains("  IM_ASSERT failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), Elapsed);
    }

    private async Task Pump(TimeSpan crashAfter)
    {
        await Task.Delay(crashAfter, _clock, TestContext.Current.CancellationToken);
        throw new InvalidOperationException("pump crashed");
    }

    /// <summary>Shows the extension point: anything with a name and a task that completes with a description of its death.</summary>
    private sealed class FakeApp : IWatchable
    {
        private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "LiveGui (generation 2)";

        public Task<string> WhenFailed => _failed.Task;

        public void Die(string description) => _failed.TrySetResult(description);
    }
}
