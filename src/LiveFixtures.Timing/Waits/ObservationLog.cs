using System.Text;

namespace LiveFixtures.Timing;

/// <summary>Keeps the latest observations of a probe, with their times, for failure messages.</summary>
internal sealed class ObservationLog
{
    private readonly Queue<(TimeSpan At, string Text)> _latest = new();
    private readonly int _capacity;
    private readonly TimeProvider _timeProvider;
    private readonly long _started;

    public ObservationLog(int capacity, TimeProvider timeProvider)
    {
        _capacity = capacity;
        _timeProvider = timeProvider;
        _started = timeProvider.GetTimestamp();
    }

    public int Total { get; private set; }

    public TimeSpan Elapsed => _timeProvider.GetElapsedTime(_started);

    public string? Last { get; private set; }

    public void Add(string text)
    {
        lock (_latest)
        {
            Total++;
            Last = text;
            if (_capacity == 0)
            {
                return;
            }

            if (_latest.Count == _capacity)
            {
                _latest.Dequeue();
            }

            _latest.Enqueue((Elapsed, text));
        }
    }

    /// <summary>Formats the latest observations as an indented block that starts on a new line.</summary>
    public string Format()
    {
        lock (_latest)
        {
            if (Total == 0)
            {
                return Environment.NewLine + "No observation was made.";
            }

            var text = new StringBuilder(Environment.NewLine)
                .Append(_latest.Count == Total ? $"Observations ({Total}):" : $"Last {_latest.Count} observations (of {Total}):");
            foreach (var (at, observation) in _latest)
            {
                text.AppendLine().Append("  ").Append(Durations.Offset(at).PadRight(12)).Append(' ').Append(observation);
            }

            return text.ToString();
        }
    }
}
