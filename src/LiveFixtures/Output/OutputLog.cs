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
    private readonly Queue<OutputLine> _ring = new();
    private readonly List<Action<OutputLine>> _listeners = [];
    private readonly TimeProvider _time;
    private readonly int _maxLines;
    private readonly long _maxChars;
    private readonly TextWriter? _file;
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

    internal IDisposable Subscribe(Action<OutputLine> listener, long afterSequence, bool replay)
    {
        List<OutputLine> missed;
        lock (_lock)
        {
            _listeners.Add(listener);
            missed = replay ? _ring.Where(l => l.Sequence > afterSequence).ToList() : [];
        }

        foreach (var line in missed)
        {
            listener(line);
        }

        return new Unsubscriber(this, listener);
    }

    internal void Append(OutputSource stream, string text)
    {
        if (text.Length > MaxLineLength)
        {
            text = $"{text[..MaxLineLength]} … [line cut: {text.Length - MaxLineLength} more characters]";
        }

        OutputLine line;
        Action<OutputLine>[] listeners;
        lock (_lock)
        {
            line = new OutputLine(++_sequence, _time.GetUtcNow(), stream, text);
            _ring.Enqueue(line);
            _chars += text.Length;
            while (_ring.Count > _maxLines || (_chars > _maxChars && _ring.Count > 1))
            {
                _chars -= _ring.Dequeue().Text.Length;
                _dropped++;
            }

            listeners = _listeners.Count == 0 ? [] : [.. _listeners];
            _file?.WriteLine(line.ToString());
        }

        foreach (var listener in listeners)
        {
            try
            {
                listener(line);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A listener's failure (a disposed waiter, a regex timeout) must never stop the drain:
                // the child would block on a full pipe.
            }
        }
    }

    internal void Complete()
    {
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _file?.Flush();
            _file?.Dispose();
        }
    }

    private sealed class Unsubscriber(OutputLog log, Action<OutputLine> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (log._lock)
            {
                log._listeners.Remove(listener);
            }
        }
    }
}
