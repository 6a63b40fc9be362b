using System.Text.RegularExpressions;
using LiveFixtures.Output;

namespace LiveFixtures.Health;

/// <summary>Passes once the process has written a line matching a pattern; named groups become values.</summary>
internal sealed class OutputLineProbe(Regex pattern) : IProbe
{
    public string Description => $"an output line matches /{pattern}/";

    public bool IsEventDriven => true;

    public Regex Pattern => pattern;

    public ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var watch = context.GetState(this, () => new Watch(pattern, context));
        watch.Rescan();
        return ValueTask.FromResult(watch.Matched is { } line
            ? ProbeResult.Healthy($"line {line.Sequence} matched: {line.Text}")
            : ProbeResult.Unhealthy($"no line matched /{pattern}/ among {context.Output.TotalLines} lines"));
    }

    /// <summary>Watches the output of one generation for the first matching line.</summary>
    /// <remarks>
    /// Lines arrive through a subscription with replay (so none is missed however fast the ring turns over): the log
    /// hands each listener every line once and in order, the replay included, so the high-water mark
    /// <see cref="_scanned"/> never passes a line that was not considered. Every check also rescans the ring: a line
    /// that woke the readiness loop is in the ring before this listener hears of it, so the check after a wake-up
    /// sees it whatever order the listeners run in.
    /// </remarks>
    private sealed class Watch
    {
        private readonly Lock _lock = new();
        private readonly Regex _pattern;
        private readonly ProbeContext _context;
        private readonly IDisposable _subscription;
        private long _scanned;
        private OutputLine? _matched;

        public Watch(Regex pattern, ProbeContext context)
        {
            _pattern = pattern;
            _context = context;
            _subscription = context.Output.Subscribe(Consider, afterSequence: 0, replay: true);
            if (Matched is not null)
            {
                _subscription.Dispose(); // matched during the replay, before the field was set
            }
        }

        public OutputLine? Matched
        {
            get { lock (_lock) { return _matched; } }
        }

        public void Rescan()
        {
            long from;
            lock (_lock)
            {
                if (_matched is not null)
                {
                    return;
                }

                from = _scanned;
            }

            foreach (var line in _context.Output.Since(new OutputMark(_context.Output.Generation, from)))
            {
                Consider(line);
            }
        }

        private void Consider(OutputLine line)
        {
            lock (_lock)
            {
                if (_matched is not null || line.Sequence <= _scanned)
                {
                    return;
                }

                _scanned = line.Sequence;
                var match = _pattern.Match(line.Text);
                if (!match.Success)
                {
                    return;
                }

                foreach (var name in _pattern.GetGroupNames())
                {
                    if (!int.TryParse(name, out _) && match.Groups[name].Success)
                    {
                        _context.SetValue(name, match.Groups[name].Value);
                    }
                }

                _matched = line;
            }

            _subscription?.Dispose();
        }
    }
}
