namespace LiveFixtures;

/// <summary>
/// Keeps the last lines one generation of a process wrote, in a ring bounded in lines and characters,
/// so that memory stays flat however chatty the process is.
/// </summary>
public sealed class OutputLog
{
    /// <summary>The longest line kept whole; longer lines are cut and say so.</summary>
    internal const int MaxLineLength = 8 * 1024;

    private readonly Lock _lock = new();

    /// <summary>
    /// Held while a line is numbered and handed to listeners, and while a listener is added with its replay, so that
    /// every listener hears every line once and in order, however many streams write at once; readers of the ring
    /// (<see cref="Tail"/>, <see cref="Since"/>) only take <see cref="_lock"/> and never wait for a listener.
    /// </summary>
    private readonly Lock _delivery = new();
    private readonly Queue<OutputLine> _ring = new();
    private Listener[] _listeners = [];

    /// <summary>The lines of the batch being delivered; used only under <see cref="_delivery"/>.</summary>
    private OutputLine[] _batch = new OutputLine[64];
    private readonly TimeProvider _time;
    private readonly int _maxLines;
    private readonly long _maxChars;
    private TextWriter? _file;
    private long _chars;
    private long _sequence;
    private long _dropped;
    private bool _completed;

    internal OutputLog(int generation, int maxLines, long maxChars, TimeProvider time, TextWriter? file)
    {
        Generation = generation;
        _maxLines = maxLines;
        _maxChars = maxChars;
        _time = time;
        _file = file;
    }

    /// <summary>Gets the generation this log belongs to.</summary>
    public int Generation { get; }

    /// <summary>Gets how many lines the generation has written in all, kept or not.</summary>
    public long TotalLines
    {
        get { lock (_lock) { return _sequence; } }
    }

    /// <summary>Gets how many old lines were dropped from the ring to keep it within its bounds.</summary>
    public long DroppedLines
    {
        get { lock (_lock) { return _dropped; } }
    }

    /// <summary>Gets the number of characters held now (the bound the ring keeps).</summary>
    public long CharactersHeld
    {
        get { lock (_lock) { return _chars; } }
    }

    /// <summary>Gets the path of the full log file of this generation, when one is written.</summary>
    public string? FilePath { get; internal init; }

    /// <summary>Marks the current end of the output.</summary>
    /// <returns>A mark to pass to <see cref="Since"/> or to a wait.</returns>
    public OutputMark Mark()
    {
        lock (_lock)
        {
            return new OutputMark(Generation, _sequence);
        }
    }

    /// <summary>Lists the kept lines written after <paramref name="mark"/>.</summary>
    /// <param name="mark">A mark taken earlier from this log.</param>
    /// <returns>The lines, oldest first.</returns>
    public IReadOnlyList<OutputLine> Since(OutputMark mark)
    {
        lock (_lock)
        {
            return mark.Generation != Generation ? [.. _ring] : _ring.Where(l => l.Sequence > mark.Sequence).ToList();
        }
    }

    /// <summary>Lists the last <paramref name="count"/> kept lines.</summary>
    /// <param name="count">How many lines at most; default 50.</param>
    /// <returns>The lines, oldest first.</returns>
    public IReadOnlyList<OutputLine> Tail(int count = 50)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_lock)
        {
            return _ring.Skip(Math.Max(0, _ring.Count - count)).ToList();
        }
    }

    /// <summary>Formats lines for a message, each indented by two spaces, or says there was none.</summary>
    /// <param name="lines">The lines.</param>
    /// <returns>The text.</returns>
    public static string Format(IReadOnlyList<OutputLine> lines) =>
        lines.Count == 0 ? "  (no output)" : string.Join(Environment.NewLine, lines.Select(l => "  " + l));

    /// <summary>
    /// Adds a listener. With <paramref name="replay"/>, it first hears the kept lines after
    /// <paramref name="afterSequence"/>, then every new line: no line is missed, repeated or reordered in between.
    /// </summary>
    internal IDisposable Subscribe(Action<OutputLine> listener, long afterSequence, bool replay)
    {
        var entry = new Listener(listener);
        lock (_delivery)
        {
            List<OutputLine> missed;
            lock (_lock)
            {
                missed = replay ? _ring.Where(l => l.Sequence > afterSequence).ToList() : [];
                _listeners = [.. _listeners, entry];
            }

            foreach (var line in missed)
            {
                entry.Hear(line);
            }
        }

        return new Unsubscriber(this, entry);
    }

    internal void Append(OutputSource stream, string text)
    {
        text = Cut(text);
        lock (_delivery)
        {
            OutputLine line;
            Listener[] listeners;
            lock (_lock)
            {
                line = Keep(stream, text);
                listeners = _listeners;
            }

            WriteToFile(line);
            foreach (var listener in listeners)
            {
                listener.Hear(line);
            }
        }
    }

    /// <summary>
    /// Appends the lines of one read at once: one timestamp (they were read at the same moment), one pass under each
    /// lock, then the file and the listeners in order. A chatty app pays per read, not per line.
    /// </summary>
    internal void AppendMany(OutputSource stream, List<string> texts)
    {
        if (texts.Count == 0)
        {
            return;
        }

        lock (_delivery)
        {
            if (_batch.Length < texts.Count)
            {
                _batch = new OutputLine[Math.Max(texts.Count, _batch.Length * 2)];
            }

            Listener[] listeners;
            lock (_lock)
            {
                var at = _time.GetUtcNow();
                for (var i = 0; i < texts.Count; i++)
                {
                    _batch[i] = Keep(stream, Cut(texts[i]), at);
                }

                listeners = _listeners;
            }

            if (_file is null && listeners.Length == 0)
            {
                return;
            }

            for (var i = 0; i < texts.Count; i++)
            {
                WriteToFile(_batch[i]);
                foreach (var listener in listeners)
                {
                    listener.Hear(_batch[i]);
                }
            }
        }
    }

    internal void Complete()
    {
        lock (_delivery)
        {
            lock (_lock)
            {
                if (_completed)
                {
                    return;
                }

                _completed = true;
            }

            var file = _file;
            _file = null;
            try
            {
                file?.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // Every line was flushed as it was written (AutoFlush), and a failed write was reported then.
            }
            finally
            {
                DisposeQuietly(file);
            }
        }
    }

    private static string Cut(string text) =>
        text.Length > MaxLineLength ? $"{text[..MaxLineLength]} … [line cut: {text.Length - MaxLineLength} more characters]" : text;

    /// <summary>Puts a line in the ring, numbered; call with <see cref="_lock"/> held.</summary>
    private OutputLine Keep(OutputSource stream, string text) => Keep(stream, text, _time.GetUtcNow());

    /// <summary>Puts a line read at <paramref name="at"/> in the ring, numbered; call with <see cref="_lock"/> held.</summary>
    private OutputLine Keep(OutputSource stream, string text, DateTimeOffset at)
    {
        var line = new OutputLine(++_sequence, at, stream, text);
        _ring.Enqueue(line);
        _chars += text.Length;
        while (_ring.Count > _maxLines || (_chars > _maxChars && _ring.Count > 1))
        {
            _chars -= _ring.Dequeue().Text.Length;
            _dropped++;
        }

        return line;
    }

    /// <summary>
    /// Writes a line to the full log file; the first failure (disk full, a broken mount) is reported once as a line
    /// in the ring and ends the file, never the drain: a child must not block on a full pipe because of its log file.
    /// </summary>
    private void WriteToFile(OutputLine line)
    {
        var file = _file;
        if (file is null)
        {
            return;
        }

        try
        {
            file.WriteLine(line.ToString());
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException or NotSupportedException)
        {
            _file = null;
            DisposeQuietly(file);
            lock (_lock)
            {
                Keep(OutputSource.StdErr, $"[LiveFixtures] The log file {FilePath} could not be written after line {line.Sequence - 1} ({e.Message}); it ends there. The output goes on in memory only (the last lines, as always). Free the disk or fix WithLogDirectory.");
            }
        }
    }

    private static void DisposeQuietly(TextWriter? file)
    {
        try
        {
            file?.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // Disposing flushes the buffer again and fails the same way: the failure was already reported.
        }
    }

    /// <summary>A listener; after its subscription is disposed it hears nothing more, even from a delivery already under way.</summary>
    private sealed class Listener(Action<OutputLine> action)
    {
        private volatile bool _removed;

        public void Remove() => _removed = true;

        public void Hear(OutputLine line)
        {
            if (_removed)
            {
                return;
            }

            try
            {
                action(line);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A listener's failure (a disposed waiter, a regex timeout) must never stop the drain:
                // the child would block on a full pipe.
            }
        }
    }

    private sealed class Unsubscriber(OutputLog log, Listener listener) : IDisposable
    {
        public void Dispose()
        {
            listener.Remove();
            lock (log._lock)
            {
                log._listeners = [.. log._listeners.Where(l => !ReferenceEquals(l, listener))];
            }
        }
    }
}
