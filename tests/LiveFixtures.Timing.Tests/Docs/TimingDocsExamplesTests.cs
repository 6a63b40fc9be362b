using System.Collections.Concurrent;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

/// <summary>The snippets of docs/timing.md, compiled and run; keep the two in step.</summary>
public sealed class TimingDocsExamplesTests
{

    [Fact]
    public async Task VirtualTime_AdvanceAsync()
    {
        // <snippet:timing-advance>
        var clock = new VirtualTimeProvider();
        var heartbeat = new Heartbeat(clock);
        var running = heartbeat.RunAsync(TestContext.Current.CancellationToken);

        await clock.WaitForTimersAsync(1, TestContext.Current.CancellationToken);              // the code under test has armed its timer
        await clock.AdvanceAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken); // fires it, and every timer its continuations arm
        // </snippet:timing-advance>

        Assert.Equal(5, heartbeat.Beats);
        heartbeat.Stop();
        await clock.AutoAdvanceUntilAsync(running, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task VirtualTime_Scope()
    {
        var clock = new VirtualTimeProvider();
        var heartbeat = new Heartbeat(clock);

        // <snippet:timing-scope>
        await clock.RunAsync(async () =>
        {
            var running = heartbeat.RunAsync(TestContext.Current.CancellationToken);
            await clock.AdvanceAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken); // on the scope's thread: nothing left to run is known
            heartbeat.Stop();
            await clock.AutoAdvanceUntilAsync(running, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
        // </snippet:timing-scope>

        Assert.Equal(6, heartbeat.Beats);
    }

    [Fact]
    public async Task VirtualTime_AutoAdvance()
    {
        var clock = new VirtualTimeProvider();

        // <snippet:timing-auto-advance>
        var report = await clock.AutoAdvanceUntilAsync(NightlyReportAsync(clock, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        // </snippet:timing-auto-advance>

        Assert.Equal("done after 2 h", report);
    }

    [Fact]
    public async Task Deadline_CompleteWithin()
    {
        var clock = new VirtualTimeProvider();

        var sync = new Sync(clock);

        // <snippet:timing-deadline>
        var run = Deadline.CompleteWithinAsync(TimeSpan.FromSeconds(5), sync.RunAsync, new DeadlineOptions { TimeProvider = clock }, TestContext.Current.CancellationToken);
        await clock.AutoAdvanceUntilAsync(run, TestContext.Current.CancellationToken);
        // </snippet:timing-deadline>
    }

    [Fact]
    public async Task Cancellation_Observe()
    {
        var clock = new VirtualTimeProvider();
        var sync = new Sync(clock);

        // <snippet:timing-observe>
        var took = await clock.AutoAdvanceUntilAsync(
            Cancellation.ObserveAsync(sync.RunAsync, CancelTrigger.After(TimeSpan.FromSeconds(3)), new CancellationOptions { TimeProvider = clock }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
        // </snippet:timing-observe>

        Assert.Equal(TimeSpan.Zero, took);
    }

    [Fact]
    public async Task Cancellation_PreCancelled()
    {
        var sync = new Sync(new VirtualTimeProvider());

        // <snippet:timing-pre-cancelled>
        await Cancellation.HonoursPreCancelledTokenAsync(sync.RunAsync, () => sync.Writes, cancellationToken: TestContext.Current.CancellationToken);
        // </snippet:timing-pre-cancelled>
    }

    [Fact]
    public async Task Cancellation_Sweep()
    {
        // <snippet:timing-sweep>
        var steps = await Cancellation.SweepAsync(context => new Sync(context.Clock).RunAsync(context.CancellationToken), cancellationToken: TestContext.Current.CancellationToken);
        // </snippet:timing-sweep>

        Assert.Equal(3, steps);
    }

    [Fact]
    public async Task Wait_EventuallyWatchingATask()
    {
        var queue = new Queue<int>([1, 2, 3]);
        var worker = Task.Run(async () =>
        {
            while (queue.TryDequeue(out _))
            {
                await Task.Yield();
            }

            await Task.Delay(Timeout.Infinite, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);

        // <snippet:timing-eventually>
        await Wait.EventuallyAsync(
            () => Assert.Empty(queue),
            new WaitOptions { Description = "the queue to drain", Watch = [Watchable.ForTask(worker, "the worker")] },
            TestContext.Current.CancellationToken);
        // </snippet:timing-eventually>
    }

    [Fact]
    public async Task Shutdown_StopsWithin()
    {
        var host = new Host();

        // <snippet:timing-shutdown>
        var took = await Shutdown.StopsWithinAsync(host.StopAsync, TimeSpan.FromSeconds(1), cancellationToken: TestContext.Current.CancellationToken);
        // </snippet:timing-shutdown>

        Assert.True(took < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Races_StartTogetherAndRepeat()
    {
        var cache = new ConcurrentDictionary<string, int>();

        // <snippet:timing-race>
        var result = await Race.StartTogetherAsync(8, (i, ct) => Task.FromResult(cache.GetOrAdd("answer", _ => i)), TestContext.Current.CancellationToken);

        result.ThrowIfAnyFailed();
        Assert.Single(result.Results.Distinct());
        // </snippet:timing-race>

        // <snippet:timing-repeat>
        await Repeat.RunAsync(200, iteration => Assert.InRange(iteration.Random.Next(1, 7), 1, 6), cancellationToken: TestContext.Current.CancellationToken);
        // </snippet:timing-repeat>
    }

    [Fact]
    public async Task Leaks_Guard()
    {
        // <snippet:timing-leak-guard>
        await using var guard = LeakGuard.Start(new LeakGuardOptions { OnLeak = LeakAction.Warn });
        // </snippet:timing-leak-guard>
        await Task.Yield();
    }

    [Fact]
    public async Task Leaks_GuardWithTheVirtualClock()
    {
        // <snippet:timing-leak-guard-clock>
        var clock = new VirtualTimeProvider();
        await using var guard = LeakGuard.Start(new LeakGuardOptions { Clock = clock }); // timers still armed at the end are leaks
        // </snippet:timing-leak-guard-clock>
        var heartbeat = new Heartbeat(clock);
        var running = heartbeat.RunAsync(TestContext.Current.CancellationToken);
        await clock.AdvanceAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        heartbeat.Stop();
        await clock.AutoAdvanceUntilAsync(running, TestContext.Current.CancellationToken);
    }

    private static async Task<string> NightlyReportAsync(TimeProvider clock, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromHours(2), clock, cancellationToken);
        return "done after 2 h";
    }

    /// <summary>A tiny piece of code under test: it beats once a minute until stopped.</summary>
    private sealed class Heartbeat(TimeProvider clock)
    {
        private volatile bool _stopped;

        public int Beats { get; private set; }

        public void Stop() => _stopped = true;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            while (!_stopped)
            {
                await Task.Delay(TimeSpan.FromMinutes(1), clock, cancellationToken);
                Beats++;
            }
        }
    }

    /// <summary>A tiny in-process host: its stop waits for in-flight work until the shutdown stops being graceful.</summary>
    private sealed class Host
    {
        private readonly TaskCompletionSource _inFlight = new();

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _inFlight.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // No longer graceful: abandon the in-flight work and return.
            }
        }
    }

    /// <summary>A tiny piece of code under test: three timed steps that honour the token.</summary>
    private sealed class Sync(TimeProvider clock)
    {
        public int Writes { get; private set; }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            for (var page = 0; page < 3; page++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
                Writes++;
            }
        }
    }
}
