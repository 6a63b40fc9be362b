using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>Nothing under the handle's gate waits without bound: a failing exit watcher or a probe that ignores its token cannot hang later calls.</summary>
public sealed class LiveProcessBoundedWaitTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);


    [Fact(Timeout = 90_000)]
    public async Task EnsureReadyAsync_ExitWatcherThrew_RespawnsInsteadOfWaitingForever()
    {
        var clock = new ThrowOnceClock();
        // No process group: the handle's pid is the sleep itself from the start, not setsid about to exec it.
        await using var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120").WithProcessGroup(false).WithTimeProvider(clock).Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        // The next reading of the clock throws: the idle process writes nothing, so it is the exit watcher's.
        clock.Arm();
        await KillOurSleepAsync(first.ProcessId, TestContext.Current.CancellationToken);
        await clock.Thrown.Task.WaitAsync(Hang, TestContext.Current.CancellationToken);
        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken);

        Assert.Contains("WatchExitAsync", clock.ThrownAt, StringComparison.Ordinal);
        Assert.Equal(2, second.Number);
        Assert.Equal(first.Number, second.Previous!.Generation);
        Assert.Equal("SIGKILL", second.Previous.SignalName);
        Assert.Equal(StopOutcome.Killed, (await app.StopAsync(TimeSpan.Zero, TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken)).Outcome);
    }

    [Fact(Timeout = 90_000)]
    public async Task EnsureReadyAsync_ReadinessProbeIgnoresItsToken_FailsAtTheStartupTimeout()
    {
        var neverAnswers = Probe.Custom("a probe that never answers and ignores its token", (_, _) => new TaskCompletionSource<bool>().Task);
        await using var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120")
            .WithReadiness(neverAnswers)
            .WithStartupTimeout(TimeSpan.FromSeconds(3))
            .Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken));

        Assert.Contains("did not become ready within 3 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within 2 s", error.Message, StringComparison.Ordinal);
        Assert.False(OsProcess.IsRunning(error.Death!.ProcessId));
    }

    [Fact(Timeout = 90_000)]
    public async Task EnsureReadyAsync_LivenessProbeIgnoresItsToken_ReplacesTheHungGeneration()
    {
        var neverAnswers = Probe.Custom("a probe that never answers and ignores its token", (_, _) => new TaskCompletionSource<bool>().Task);
        await using var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120")
            .WithLiveness(neverAnswers, TimeSpan.FromSeconds(1))
            .Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var second = await app.EnsureReadyAsync(TestContext.Current.CancellationToken).WaitAsync(Hang, TestContext.Current.CancellationToken);

        Assert.Equal(2, second.Number);
        Assert.Equal(DeathCause.Degraded, second.Previous!.Cause);
        Assert.Contains("no answer within 1 s", second.Previous.DescribeCause(), StringComparison.Ordinal);
        Assert.False(OsProcess.IsRunning(first.ProcessId));
    }

    [Fact(Timeout = 90_000)]
    public async Task EnsureReadyAsync_CallersWaitingForOneFailedStart_EachGetTheirOwnException()
    {
        await using var app = TestAppPaths.Builder("--startup-delay-ms", "1500", "--exit-during-startup", "3").WithStartRetries(0).Build();
        var starter = app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        while (app.State != LiveProcessState.Starting && !starter.IsCompleted)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        var waiters = Enumerable.Range(0, 3).Select(_ => app.EnsureReadyAsync(TestContext.Current.CancellationToken)).ToList();
        var errors = new List<LiveProcessStartException>();
        foreach (var call in waiters.Prepend(starter))
        {
            errors.Add(await Assert.ThrowsAsync<LiveProcessStartException>(() => call.WaitAsync(Hang, TestContext.Current.CancellationToken)));
        }

        Assert.Equal(4, errors.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(errors, e => Assert.Equal(errors[0].Message, e.Message));
        Assert.All(errors, e => Assert.Same(errors[0].Death, e.Death));
        Assert.Equal(1, app.GenerationCount);
    }

    [Fact(Timeout = 120_000)]
    public async Task DisposeAsync_GateHeldByABlockedSubscriber_GivesUpAfterItsLimit()
    {
        // A StateChanged handler that blocks while a respawn holds the gate: nothing bounded holds it longer than
        // startup timeout + stop grace + 2 x the longest liveness check + 20 s (here 1 + 0 + 12.4 + 20 s), and disposal waits no longer.
        using var release = new ManualResetEventSlim();
        var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120").WithProcessGroup(false)
            .WithStartupTimeout(TimeSpan.FromSeconds(1))
            .WithStopGrace(TimeSpan.Zero)
            .Build();
        var first = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        app.StateChanged += (_, change) =>
        {
            if (change.Current == LiveProcessState.Starting && change.Generation == 2)
            {
                release.Wait(TestContext.Current.CancellationToken);
            }
        };
        await KillOurSleepAsync(first.ProcessId, TestContext.Current.CancellationToken);
        await app.WhenExited.WaitAsync(Hang, TestContext.Current.CancellationToken);
        var respawn = Task.Run(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        while (app.State != LiveProcessState.Starting)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        try
        {
            await app.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        finally
        {
            release.Set();
            await respawn.ContinueWith(_ => { }, TestContext.Current.CancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
            await app.StopAsync(TimeSpan.Zero, TestContext.Current.CancellationToken); // the respawn went on once released: stop what it started
        }

        Assert.Equal(LiveProcessState.Stopped, app.State);
    }

    /// <summary>
    /// Kills the sleep a handle started, after checking that the pid is that program. In the cgroup tier the pid is first
    /// the launch shim, which execs the sleep a moment later (with no readiness probe the handle is ready before that).
    /// </summary>
    private static async Task KillOurSleepAsync(int pid, CancellationToken cancellationToken)
    {
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        for (var i = 0; i < 500 && process.ProcessName != "sleep"; i++)
        {
            await Task.Delay(10, cancellationToken);
            process.Refresh();
        }

        Assert.Equal("sleep", process.ProcessName);
        process.Kill();
    }

    /// <summary>A system clock whose next reading throws once armed, and says where.</summary>
    private sealed class ThrowOnceClock : TimeProvider
    {
        private int _armed;

        public string ThrownAt { get; private set; } = "";

        public TaskCompletionSource Thrown { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public override DateTimeOffset GetUtcNow()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                ThrownAt = Environment.StackTrace;
                Thrown.TrySetResult();
                throw new InvalidOperationException("The clock failed (on purpose, in a test).");
            }

            return base.GetUtcNow();
        }
    }
}
