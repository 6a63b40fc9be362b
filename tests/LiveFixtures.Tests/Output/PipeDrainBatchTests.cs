using System.Text;
using LiveFixtures.Output;
using Xunit;

namespace LiveFixtures.Tests.Output;

/// <summary>
/// The drain hands the lines of each read to the log at once (issue 13, item 7): lines, partial lines, line endings and
/// multi-byte characters split across reads come out as before, every listener hears every line once and in order, and
/// the ring stays within its bounds however much is written.
/// </summary>
public sealed class PipeDrainBatchTests
{
    [Fact(Timeout = 30_000)]
    public async Task RunAsync_LinesSplitAcrossReads_AreJoinedAndDecoded()
    {
        // "é" is C3 A9 and "€" E2 82 AC: both are cut between two reads, as is a CRLF.
        List<byte[]> chunks =
        [
            Bytes("one\ntw"), Bytes("o\r"), Bytes("\nthr"), [.. Bytes("caf"), 0xC3], [0xA9, .. Bytes(" 5 "), 0xE2, 0x82], [0xAC, .. Bytes("\n\nlast without end")],
        ];
        var log = NewLog(maxLines: 100);
        var heard = new List<OutputLine>();
        using var listener = log.Subscribe(heard.Add, 0, replay: false);

        await PipeDrain.RunAsync(new ChunkStream(chunks), OutputSource.StdOut, log).WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["one", "two", "thrcafé 5 €", "", "last without end"], log.Tail(100).Select(l => l.Text));
        Assert.Equal(log.Tail(100), heard);
        Assert.Equal(5, log.TotalLines);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_ManyLinesPerRead_EveryListenerHearsEachOnceInOrder()
    {
        var text = new StringBuilder();
        for (var i = 1; i <= 50_000; i++)
        {
            text.Append("line ").Append(i).Append(i % 7 == 0 ? " ünïcödé" : "").Append('\n');
        }

        var log = NewLog(maxLines: 2000);
        var early = new List<long>();
        var late = new List<long>();
        using var first = log.Subscribe(l => early.Add(l.Sequence), 0, replay: false);
        var chunks = Bytes(text.ToString()).Chunk(64 * 1024).ToList();
        using var second = log.Subscribe(l => late.Add(l.Sequence), 0, replay: true);

        await PipeDrain.RunAsync(new ChunkStream(chunks), OutputSource.StdErr, log).WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Enumerable.Range(1, 50_000).Select(i => (long)i), early);
        Assert.Equal(early, late);
        Assert.Equal(50_000, log.TotalLines);
        Assert.Equal("line 50000", log.Tail(1)[0].Text);
        Assert.Equal("line 49994 ünïcödé", Assert.Single(log.Tail(7), l => l.Text.EndsWith("ünïcödé", StringComparison.Ordinal)).Text);
        Assert.All(log.Tail(2000), l => Assert.Equal(OutputSource.StdErr, l.Stream));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_ChattyProcess_RingStaysWithinItsBounds()
    {
        // A real process writes 400,000 lines (about 12 MB) as fast as it can.
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "yes 'chatty line é lorem ipsum dolor sit' | head -n 400000; echo done")
            .WithOutputLimits(maxLines: 1000, maxCharacters: 20_000)
            .WithStopGrace(TimeSpan.Zero)
            .Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        await app.WaitForOutputAsync(new("^done$"), new OutputMark(generation.Number, 0), TimeSpan.FromSeconds(50), TestContext.Current.CancellationToken);

        var log = generation.Output;
        Assert.Equal(400_001, log.TotalLines);
        Assert.InRange(log.CharactersHeld, 1, 20_000);
        Assert.InRange(log.Tail(5000).Count, 1, 1000);
        Assert.Equal(400_001 - log.Tail(5000).Count, log.DroppedLines);
        Assert.All(log.Tail(5000).SkipLast(1), l => Assert.Equal("chatty line é lorem ipsum dolor sit", l.Text));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_LineWithNoEndInSight_IsKeptCutWithoutUnboundedBuffering()
    {
        var chunks = Enumerable.Range(0, 10).Select(_ => Bytes(new string('x', 8 * 1024))).Append(Bytes("\nafter\n")).ToList();
        var log = NewLog(maxLines: 100);

        await PipeDrain.RunAsync(new ChunkStream(chunks), OutputSource.StdOut, log).WaitAsync(TestContext.Current.CancellationToken);

        var lines = log.Tail(100);
        Assert.Equal("after", lines[^1].Text);
        Assert.Contains("[line cut: ", lines[0].Text, StringComparison.Ordinal);
        Assert.InRange(lines.Count, 3, 11);
        Assert.All(lines.SkipLast(1), l => Assert.StartsWith(new string('x', 1024), l.Text, StringComparison.Ordinal));
    }

    private static OutputLog NewLog(int maxLines) => new(1, maxLines, 1024 * 1024, TimeProvider.System, file: null);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Returns one chunk per read, as a pipe returns what was written.</summary>
    private sealed class ChunkStream(IReadOnlyList<byte[]> chunks) : Stream
    {
        private int _chunk;
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_chunk == chunks.Count)
            {
                return 0;
            }

            var source = chunks[_chunk].AsSpan(_offset);
            var n = Math.Min(source.Length, buffer.Length);
            source[..n].CopyTo(buffer);
            _offset += n;
            if (_offset == chunks[_chunk].Length)
            {
                (_chunk, _offset) = (_chunk + 1, 0);
            }

            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
