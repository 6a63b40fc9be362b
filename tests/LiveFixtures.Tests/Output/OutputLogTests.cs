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
}
