using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace LiveFixtures.Output;

/// <summary>Reads a child's output stream continuously through a pipe and splits it into lines.</summary>
internal static class PipeDrain
{
    /// <summary>
    /// Drains <paramref name="stream"/> into <paramref name="log"/> until the stream ends or breaks; nothing the log
    /// does (a full disk under its file, a failing listener) stops it, so the child never blocks on a full pipe.
    /// </summary>
    public static async Task RunAsync(Stream stream, OutputSource kind, OutputLog log)
    {
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        var lines = new List<string>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    lines.Add(Decode(line));
                }

                var rest = result.IsCompleted && !buffer.IsEmpty
                    || (!result.IsCompleted && buffer.Length > OutputLog.MaxLineLength * 2);
                if (rest)
                {
                    // The last line without an end, or a line with no end in sight: kept (cut) rather than buffered without bound.
                    lines.Add(Decode(buffer));
                }

                // The lines of one read go to the log at once.
                Keep(log, kind, lines);
                lines.Clear();
                if (result.IsCompleted)
                {
                    reader.AdvanceTo(buffer.End);
                    break;
                }

                if (rest)
                {
                    reader.AdvanceTo(buffer.End);
                    continue;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (IOException)
        {
            // The pipe broke with the process: what was read is kept.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static void Keep(OutputLog log, OutputSource kind, List<string> lines)
    {
        try
        {
            log.AppendMany(kind, lines);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Losing lines (a clock that threw) is better than a child blocked on a full pipe: read on.
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static string Decode(ReadOnlySequence<byte> line)
    {
        var text = Encoding.UTF8.GetString(line);
        return text.EndsWith('\r') ? text[..^1] : text;
    }
}
