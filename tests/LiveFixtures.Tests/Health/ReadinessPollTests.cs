using LiveFixtures.Health;
using Xunit;

namespace LiveFixtures.Tests.Health;

/// <summary>
/// The readiness poll is fast by default (issue 13, item 6): TCP and HTTP readiness seen about 5 ms after the app listens,
/// not 41 to 53 ms as with the old 5 ms to 100 ms doubling. Checked on the handle's clock and by counting, never by timing.
/// </summary>
public sealed class ReadinessPollTests
{
    [Fact]
    public void Next_Defaults_StartAtOneMillisecondGrowGentlyAndStopAtTen()
    {
        var poll = new ReadinessPoll(ReadinessPoll.DefaultFirst, ReadinessPoll.DefaultMax);

        var pauses = Enumerable.Range(0, 12).Select(_ => poll.Next().TotalMilliseconds).ToList();

        Assert.Equal(1, pauses[0]);
        Assert.Equal([1, 1.5, 2.25, 3.375], pauses.Take(4));
        Assert.All(pauses.Skip(1).Zip(pauses), p => Assert.InRange(p.First, p.Second, Math.Max(p.Second * 1.5, p.Second)));
        Assert.Equal(10, pauses[^1]);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_PolledProbeWithDefaults_PausesOnTheFastScheduleOnTheHandlesClock()
    {
        var clock = new RecordingClock();
        var calls = 0;
        await using var app = new LiveProcessBuilder("/bin/sleep")
            .WithArguments("60")
            .WithReadiness(Probe.Custom("ready after 15 attempts", (_, _) => Task.FromResult(Interlocked.Increment(ref calls) > 15)))
            .WithTimeProvider(clock)
            .WithStopGrace(TimeSpan.Zero)
            .Build();

        await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        // The pauses are the timers under a second (the others are the start-up and per-attempt timeouts).
        var pauses = clock.Timers.Where(t => t < TimeSpan.FromSeconds(1)).Select(t => t.TotalMilliseconds).ToList();
        Assert.Equal(16, calls);
        Assert.Equal(15, pauses.Count);
        Assert.Equal(1, pauses[0]); // the old default waited 5 ms first
        Assert.All(pauses, p => Assert.InRange(p, 1, 10)); // the old default grew to 100 ms
        Assert.True(pauses.Sum() < 150, $"15 pauses took {pauses.Sum()} ms of the handle's clock; the old doubling took about 1,100 ms.");
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_PolledProbeAndTheProcessWritesALine_ProbesAgainWithoutWaitingForAPause()
    {
        // A clock whose timers never fire: the poll can move on only when the process writes a line.
        var clock = new FrozenClock();
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "echo booting; sleep 0.3; echo listening; exec sleep 60")
            .WithReadiness(Probe.Custom("the app said it listens", (context, _) => Task.FromResult(context.Output.Tail().Any(l => l.Text == "listening"))))
            .WithTimeProvider(clock)
            .WithStopGrace(TimeSpan.Zero)
            .Build();

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Contains(generation.Output.Tail(), l => l.Text == "listening");
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_HttpProbeAnsweredNotReadyByAnAppThatLogsEachRequest_AsksEvery100MsNotOnEachLine()
    {
        // python3 -m http.server logs every request on stderr: before, each 404 it logged woke the next attempt at once,
        // and probe and log fed each other (hundreds of requests a second, an output tail of nothing but the probe).
        var root = Directory.CreateTempSubdirectory("livefixtures-readiness").FullName;
        try
        {
            var clock = new RecordingClock();
            await using var app = new LiveProcessBuilder("python3")
                .WithArguments("-u", "-m", "http.server", "{port}", "--bind", "127.0.0.1", "--directory", root)
                .WithPort()
                .WithReadiness(Probe.Http("http://127.0.0.1:{port}/ready.txt"))
                .WithTimeProvider(clock)
                .WithStopGrace(TimeSpan.Zero)
                .Build();
            var ready = Task.Run(
                async () =>
                {
                    // Ready once it has answered 404 for a while.
                    while (!(app.Output?.Tail().Any(l => l.Text.Contains("\"GET /ready.txt HTTP/1.1\" 404", StringComparison.Ordinal)) ?? false))
                    {
                        await Task.Delay(10, TestContext.Current.CancellationToken);
                    }

                    await Task.Delay(700, TestContext.Current.CancellationToken);
                    await File.WriteAllTextAsync(Path.Combine(root, "ready.txt"), "ready", TestContext.Current.CancellationToken);
                },
                TestContext.Current.CancellationToken);

            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            await ready;

            var notFound = generation.Output.Tail(2000).Count(l => l.Text.Contains("\"GET /ready.txt HTTP/1.1\" 404", StringComparison.Ordinal));
            var answeredPauses = clock.Timers.Count(t => t == TimeSpan.FromMilliseconds(100));
            Assert.True(answeredPauses >= notFound, $"{notFound} answers of 404, but only {answeredPauses} pauses of 100 ms: a line the app logged woke the next attempt at once"); // every 404 is followed by the 100 ms pause
            Assert.InRange(notFound, 1, 30); // about 7 over the 700 ms; before, 47 on a loaded 2-core machine
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The system clock, recording the due time of every timer made on it.</summary>
    private sealed class RecordingClock : TimeProvider
    {
        private readonly List<TimeSpan> _timers = [];

        public IReadOnlyList<TimeSpan> Timers
        {
            get { lock (_timers) { return [.. _timers]; } }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add(dueTime);
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>A clock that stands still: its timers never fire.</summary>
    private sealed class FrozenClock : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
