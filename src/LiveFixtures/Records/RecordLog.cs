using System.Text.Json;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// The format of a run's record log, <c>runs/RUNID.jsonl</c>: one <see cref="RecordLine"/> per line, appended with
/// <c>O_APPEND</c>; read by folding the lines in order into a <see cref="RunRecord"/>.
/// </summary>
/// <remarks>
/// A write appends only what changed (a line per changed generation, then the run's line), so its cost does not grow
/// with the run's history. Each append is one <c>write</c> to a descriptor opened with <c>O_APPEND</c>, so the kernel
/// puts it whole at the end even when the watchdog or another run's sweep appends at the same time. A host killed
/// in the middle of a write leaves a cut last line: the reader skips a line that does not parse, and a writer that
/// is not the run's host starts its append with a newline, so that its own line is never glued to a cut one.
/// </remarks>
internal static class RecordLog
{
    /// <summary>The extension of a record log.</summary>
    public const string Extension = ".jsonl";

    /// <summary>The format version written in the run's line of a record log.</summary>
    public const int Format = 2;


    /// <summary>Serializes one line, newline included.</summary>
    public static byte[] Line(RecordLine line)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(line, RecordLogJson.Default.RecordLine);
        var bytes = new byte[json.Length + 1];
        json.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Serializes the run's own fields (not its generations) as its line.</summary>
    public static byte[] RunLine(RunRecord run) => Line(new RecordLine
    {
        Run = new RunRecord
        {
            Format = Format,
            RunId = run.RunId,
            Host = run.Host,
            TestAssembly = run.TestAssembly,
            Started = run.Started,
            Ended = run.Ended,
            EndedHow = run.EndedHow,
            Updated = run.Updated,
            SweptBy = run.SweptBy,
        },
    });

    /// <summary>Serializes a whole run as a fresh log: a line per generation, then the run's line.</summary>
    public static byte[] Whole(RunRecord run)
    {
        using var buffer = new MemoryStream();
        foreach (var generation in run.Generations)
        {
            buffer.Write(Line(new RecordLine { Generation = generation }));
        }

        buffer.Write(RunLine(run));
        return buffer.ToArray();
    }

    /// <summary>
    /// Folds a log's lines, in order, into a run: the last run line gives the run's fields, the last line of each
    /// generation its state, and the marks are applied to those states in the order they were made. A line that does
    /// not parse (cut by a crash) is skipped.
    /// </summary>
    /// <remarks>
    /// A generation's line is parsed whole only when it is the last readable one of that generation: the others are
    /// only looked at for the generation's cookie (which comes before its command line, ports and the rest), so a long
    /// crash loop's log, several lines per generation, costs about one parse per generation.
    /// </remarks>
    /// <returns>The run, or null when no line of the run's own was readable (not a record log).</returns>
    public static RunRecord? Fold(ReadOnlySpan<byte> bytes)
    {
        RunRecord? run = null;
        var generations = new List<GenerationRecord?>();
        var index = new Dictionary<(string Fixture, int Generation, string Cookie), int>();
        var byCookie = new Dictionary<string, (int Slot, List<Range> Lines)>(StringComparer.Ordinal);
        List<RecordMark>? marks = null;
        var whole = bytes;
        var at = 0;
        while (at < whole.Length)
        {
            var end = whole[at..].IndexOf((byte)'\n');
            var range = new Range(at, end < 0 ? whole.Length : at + end);
            at = end < 0 ? whole.Length : at + end + 1;
            var line = whole[range];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (CookieOf(line) is { } cookie)
            {
                if (!byCookie.TryGetValue(cookie, out var seen))
                {
                    byCookie[cookie] = seen = (generations.Count, []);
                    generations.Add(null); // filled in below, in the order the generations first appeared
                }

                seen.Lines.Add(range);
                continue;
            }

            if (Parse(line) is not { } parsed)
            {
                continue; // a line cut by a crash, or garbage glued to one: the lines around it still count
            }

            if (parsed.Run is { RunId.Length: > 0 } header)
            {
                header.SweptBy ??= run?.SweptBy;
                run = header;
            }

            if (parsed.Generation is { } generation)
            {
                var key = (generation.Fixture, generation.Generation, generation.Cookie);
                if (index.TryGetValue(key, out var slot))
                {
                    generations[slot] = generation;
                }
                else
                {
                    index[key] = generations.Count;
                    generations.Add(generation);
                }
            }

            if (parsed.Mark is { } mark)
            {
                (marks ??= []).Add(mark);
            }
        }

        if (run is null)
        {
            return null;
        }

        foreach (var (slot, lines) in byCookie.Values)
        {
            // The last line that parses: the very last may have been cut by a crash.
            for (var i = lines.Count - 1; i >= 0 && generations[slot] is null; i--)
            {
                generations[slot] = Parse(whole[lines[i]])?.Generation;
            }
        }

        run.Generations = [.. generations.OfType<GenerationRecord>()];
        foreach (var mark in marks ?? [])
        {
            if (run.Generations.FindLast(mark.IsAbout) is { } marked)
            {
                mark.ApplyTo(marked);
                run.SweptBy = mark.By;
            }
        }

        return run;
    }

    /// <summary>
    /// Tells from the tail of a log whether the run's end was recorded: its host writes the run's line last in every
    /// write, so the last run line is near the end. Anything unclear is "no", so the log is read whole.
    /// </summary>
    public static bool HasEnded(string path)
    {
        const int Tail = 8192;
        var buffer = new byte[Tail];
        int length;
        bool whole;
        try
        {
            using var stream = File.OpenRead(path);
            whole = stream.Length <= Tail;
            stream.Position = whole ? 0 : stream.Length - Tail;
            length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (IOException)
        {
            return false;
        }

        var span = buffer.AsSpan(0, length);
        if (!whole)
        {
            span = span[(span.IndexOf((byte)'\n') + 1)..]; // the first line of the tail may be cut
        }

        while (span.Length > 0)
        {
            var start = span[..^1].LastIndexOf((byte)'\n') + 1;
            var line = span[start..];
            span = span[..start];
            if (!line.StartsWith("{\"run\":"u8))
            {
                continue;
            }

            try
            {
                return JsonSerializer.Deserialize(line, RecordLogJson.Default.RecordLine)?.Run is { Ended: not null };
            }
            catch (JsonException)
            {
                // a cut line: an earlier one may tell
            }
        }

        return false;
    }

    /// <summary>Appends bytes to an existing log with one <c>write</c> to an <c>O_APPEND</c> descriptor, flushed to disk.</summary>
    /// <exception cref="FileNotFoundException">The log does not exist (never written, or pruned).</exception>
    /// <exception cref="IOException">The write failed (a full disk): part of the bytes may have been appended.</exception>
    public static void Append(string path, ReadOnlySpan<byte> bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            AppendPortable(path, bytes);
            return;
        }

        // Opened under the log's lock: a compaction renames a new log over this path under the same lock, so an append
        // always lands in the log that is at the path, never in one a compaction has just replaced.
        using var held = Lock(path);
        var descriptor = AppendFile.Open(path, create: false, out var opening);
        if (descriptor < 0)
        {
            throw opening == AppendFile.Enoent
                ? new FileNotFoundException($"The record log {path} does not exist.", path)
                : new IOException($"The record log {path} could not be opened for appending (errno {opening}).");
        }

        try
        {
            if (AppendFile.WriteAll(descriptor, bytes) is var writing and not 0)
            {
                throw new IOException($"The record log {path} could not be written (errno {writing}).");
            }

            if (AppendFile.Fsync(descriptor) is var flushing and not 0)
            {
                throw new IOException($"The record log {path} could not be flushed to disk (errno {flushing}).");
            }
        }
        finally
        {
            AppendFile.Close(descriptor);
        }
    }

    /// <summary>Gets the path of a log's lock file, taken by every append and by a compaction.</summary>
    public static string LockPath(string path) => path + ".lock";

    /// <summary>
    /// Takes the log's lock (<c>flock</c> on <see cref="LockPath"/>, created when missing), blocking until it is free;
    /// disposing releases it. Appends take it for their one write, a compaction for its read, fold and rename. A no-op
    /// where there is no <c>flock</c>.
    /// </summary>
    /// <exception cref="IOException">The lock file could not be opened or locked.</exception>
    public static IDisposable Lock(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return NoLock.Instance;
        }

        var lockPath = LockPath(path);
        var descriptor = AppendFile.Lock(lockPath, out var error, out var failed);
        if (descriptor < 0)
        {
            throw new IOException($"The lock file {lockPath} of a record log could not be {failed} (errno {error}).");
        }

        return new HeldLock(descriptor);
    }

    private sealed class HeldLock(int descriptor) : IDisposable
    {
        private int _descriptor = descriptor;

        public void Dispose()
        {
            var descriptor = Interlocked.Exchange(ref _descriptor, -1);
            if (descriptor >= 0)
            {
                AppendFile.Close(descriptor); // closing the last descriptor releases the flock
            }
        }
    }

    private sealed class NoLock : IDisposable
    {
        public static readonly NoLock Instance = new();

        public void Dispose()
        {
        }
    }

    private static RecordLine? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, RecordLogJson.Default.RecordLine);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the cookie of a generation's line without parsing the line: the first <c>"cookie":"</c> of a line that
    /// starts as a generation's (its fixture and process come before it, and no string in them can hold an unescaped
    /// quote). Null when the line is not a generation's, or its cookie is empty or escaped: then it is parsed whole.
    /// </summary>
    private static string? CookieOf(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("{\"generation\":{"u8))
        {
            return null;
        }

        var at = line.IndexOf("\"cookie\":\""u8);
        if (at < 0)
        {
            return null;
        }

        var value = line[(at + 10)..];
        var end = value.IndexOfAny((byte)'"', (byte)'\\');
        return end > 0 && value[end] == (byte)'"' ? System.Text.Encoding.UTF8.GetString(value[..end]) : null;
    }

    private static void AppendPortable(string path, ReadOnlySpan<byte> bytes)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The record log {path} does not exist.", path);
        }

        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
