using System.Collections.Concurrent;
using Xunit;

namespace LiveFixtures.Tests.Output;

public sealed class OutputLogTests
{
    [Fact]
    public void Append_BeyondLineLimit_DropsOldestAndKeepsCount()
    {
        var log = new OutputLog(1, maxLines: 3, maxChars: 1000, TimeProvider.System, file: null);

        for (var i = 1; i <= 5; i++)
        {
            log.Append(OutputSource.StdOut, $"line {i}");
        }

        Assert.Equal(["line 3", "line 4", "line 5"], log.Tail(10).Select(l => l.Text));
        Assert.Equal(5, log.TotalLines);
        Assert.Equal(2, log.DroppedLines);
    }

    [Fact]
    public void Append_BeyondCharacterLimit_StaysWithinBound()
    {
        var log = new OutputLog(1, maxLines: 1000, maxChars: 50, TimeProvider.System, file: null);

        for (var i = 0; i < 100; i++)
        {
            log.Append(OutputSource.StdErr, new string('x', 10));
        }

        Assert.True(log.CharactersHeld <= 50);
        Assert.Equal(5, log.Tail(1000).Count);
    }

    [Fact]
    public void Append_VeryLongLine_IsCutAndSaysSo()
    {
        var log = new OutputLog(1, maxLines: 10, maxChars: 1_000_000, TimeProvider.System, file: null);

        log.Append(OutputSource.StdOut, new string('y', OutputLog.MaxLineLength + 10));

        Assert.EndsWith("[line cut: 10 more characters]", log.Tail(1)[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Since_Mark_ReturnsOnlyLaterLines()
    {
        var log = new OutputLog(2, maxLines: 10, maxChars: 1000, TimeProvider.System, file: null);
        log.Append(OutputSource.StdOut, "before");
        var mark = log.Mark();

        log.Append(OutputSource.StdOut, "after");

        Assert.Equal(["after"], log.Since(mark).Select(l => l.Text));
        Assert.Equal(2, mark.Generation);
    }

    [Fact]
    public void Subscribe_WithReplay_SeesEarlierAndLaterLinesOnce()
    {
        var log = new OutputLog(1, maxLines: 10, maxChars: 1000, TimeProvider.System, file: null);
        log.Append(OutputSource.StdOut, "one");
        var seen = new List<string>();

        using (log.Subscribe(l => seen.Add(l.Text), afterSequence: 0, replay: true))
        {
            log.Append(OutputSource.StdOut, "two");
        }

        log.Append(OutputSource.StdOut, "three");
        Assert.Equal(["one", "two"], seen);
    }

    [Fact(Timeout = 120_000)]
    public async Task Subscribe_WritersOnBothStreamsAndALateSubscriber_EveryListenerHearsEveryLineOnceInOrder()
    {
        // Two drains append at once while a third thread subscribes with replay: the early listener and the late
        // one must both hear 1..60 exactly once and in order (replay, then live, with nothing lost or repeated between).
        const int rounds = 2000;
        var expected = Enumerable.Range(1, 60).Select(i => (long)i).ToList();
        OutputLog log = null!;
        ConcurrentQueue<long> early = null!;
        ConcurrentQueue<long> late = null!;
        await ConcurrentRounds.RunAsync(
            rounds,
            setUp: _ =>
            {
                log = new OutputLog(1, maxLines: 1000, maxChars: 1_000_000, TimeProvider.System, file: null);
                early = new ConcurrentQueue<long>();
                late = new ConcurrentQueue<long>();
                log.Subscribe(l => early.Enqueue(l.Sequence), afterSequence: 0, replay: false);
            },
            check: round =>
            {
                Assert.True(expected.SequenceEqual(early), $"Round {round}: the early listener heard {string.Join(",", early)}.");
                Assert.True(expected.SequenceEqual(late), $"Round {round}: the late listener heard {string.Join(",", late)}.");
            },
            TestContext.Current.CancellationToken,
            () =>
            {
                for (var i = 0; i < 30; i++)
                {
                    log.Append(OutputSource.StdOut, $"out {i}");
                }
            },
            () =>
            {
                for (var i = 0; i < 30; i++)
                {
                    log.Append(OutputSource.StdErr, $"err {i}");
                }
            },
            () =>
            {
                Thread.Yield();
                log.Subscribe(l => late.Enqueue(l.Sequence), afterSequence: 0, replay: true);
            });
    }

    [Fact]
    public void Append_LogFileOnAFullDisk_KeepsEveryLineAndReportsTheFileOnce()
    {
        using var full = new StreamWriter(new FileStream("/dev/full", FileMode.Open, FileAccess.Write)) { AutoFlush = true };
        var log = new OutputLog(1, maxLines: 100, maxChars: 100_000, TimeProvider.System, full) { FilePath = "/dev/full" };

        for (var i = 1; i <= 3; i++)
        {
            log.Append(OutputSource.StdOut, $"line {i}");
        }

        var texts = log.Tail(100).Select(l => l.Text).ToList();
        Assert.Equal(["line 1", "line 2", "line 3"], texts.Where(t => t.StartsWith("line", StringComparison.Ordinal)));
        var report = Assert.Single(texts, t => t.StartsWith("[LiveFixtures] The log file /dev/full could not be written", StringComparison.Ordinal));
        Assert.Contains("No space left on device", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_AfterComplete_KeepsTheLineInTheRing()
    {
        var file = new StringWriter();
        var log = new OutputLog(1, maxLines: 10, maxChars: 1000, TimeProvider.System, file);
        log.Append(OutputSource.StdOut, "before");
        log.Complete();

        log.Append(OutputSource.StdErr, "after");

        Assert.Equal(["before", "after"], log.Tail().Select(l => l.Text));
        Assert.Contains("before", file.ToString(), StringComparison.Ordinal);
    }
}
