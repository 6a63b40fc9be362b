using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using LiveFixtures.Output;

namespace LiveFixtures.Benchmarks.Figures;

/// <summary>
/// Drain throughput: 100 MB of output through <see cref="PipeDrain"/> into an <see cref="OutputLog"/> with the default
/// bounds, against the floor of reading the same bytes the same way, splitting them into lines and decoding them.
/// </summary>
internal static class DrainFigures
{
    private const int Megabytes = 100;

    public static void Run(Report report, int rounds)
    {
        var data = MakeOutput(Megabytes * 1024 * 1024, out var lines);
        report.Line($"Drain: {Megabytes} MB, {lines:N0} lines (80 to 120 bytes, some of them non-ASCII), read in chunks of at most 64 KB like a pipe; median of {rounds} rounds.");
        var floor = new List<double>();
        var drain = new List<double>();
        long heldAfter = 0;
        long peakGrowth = 0;
        double allocatedPerLine = 0;
        for (var round = 0; round < rounds + 1; round++)
        {
            GC.Collect();
            var watch = Stopwatch.StartNew();
            var count = ReadSplitDecodeAsync(new ChunkedStream(data)).GetAwaiter().GetResult();
            var floorMs = watch.Elapsed.TotalMilliseconds;
            if (count != lines)
            {
                throw new InvalidOperationException($"The floor counted {count} lines, not {lines}.");
            }

            GC.Collect();
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var log = new OutputLog(1, 2000, 1024 * 1024, TimeProvider.System, file: null);
            watch.Restart();
            PipeDrain.RunAsync(new ChunkedStream(data), OutputSource.StdOut, log).GetAwaiter().GetResult();
            var drainMs = watch.Elapsed.TotalMilliseconds;
            if (log.TotalLines != lines)
            {
                throw new InvalidOperationException($"The drain counted {log.TotalLines} lines, not {lines}.");
            }

            var perLine = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)lines;
            var after = GC.GetTotalMemory(forceFullCollection: true);
            GC.KeepAlive(log);
            if (round == 0)
            {
                continue; // warm-up
            }

            floor.Add(floorMs);
            drain.Add(drainMs);
            heldAfter = Math.Max(heldAfter, after - before);
            peakGrowth = Math.Max(peakGrowth, log.CharactersHeld);
            allocatedPerLine = perLine;
        }

        var f = Report.Median(floor);
        var d = Report.Median(drain);
        report.Table(
            ["path", "median", "min", "throughput"],
            [
                ["read + split + decode (floor)", Report.Ms(f), Report.Ms(floor.Min()), $"{Megabytes * 1000 / f:0} MB/s"],
                ["PipeDrain into OutputLog", Report.Ms(d), Report.Ms(drain.Min()), $"{Megabytes * 1000 / d:0} MB/s"],
            ]);
        report.Line($"Drain / floor: {d / f:0.00}x (goal: at most 1.5x). After {lines:N0} lines the log holds {peakGrowth:N0} characters in its ring (2,000 lines, its default bound: memory stays flat) and the managed heap grew by {heldAfter / 1024.0:0} KB; the drain allocated {allocatedPerLine:0} bytes per line (the line's string, about 2 bytes per character, is most of it).");
    }

    /// <summary>The floor: the same pipe reader, line split and UTF-8 decode as the drain, with nothing kept.</summary>
    private static async Task<long> ReadSplitDecodeAsync(Stream stream)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        long count = 0;
        long chars = 0;
        while (true)
        {
            var result = await reader.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                chars += Encoding.UTF8.GetString(buffer.Slice(0, end)).Length;
                buffer = buffer.Slice(buffer.GetPosition(1, end));
                count++;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await reader.CompleteAsync().ConfigureAwait(false);
        GC.KeepAlive(chars);
        return count;
    }

    private static byte[] MakeOutput(int size, out long lines)
    {
        var random = new Random(13);
        var buffer = new ArrayBufferWriter<byte>(size + 256);
        lines = 0;
        var text = new StringBuilder();
        while (buffer.WrittenCount < size)
        {
            text.Clear();
            text.Append("line ").Append(lines).Append(' ');
            var length = random.Next(80, 120);
            while (text.Length < length)
            {
                text.Append(random.Next(20) == 0 ? "é€ " : "lorem ipsum ");
            }

            text.Append('\n');
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            buffer.Write(bytes);
            lines++;
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A read-only stream over bytes that returns at most 64 KB per read, as a pipe does.</summary>
    private sealed class ChunkedStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, 64 * 1024), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
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
