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
        return ValueTask.FromResult(watch.Matched is { } line
            ? ProbeResult.Healthy($"line {line.Sequence} matched: {line.Text}")
            : ProbeResult.Unhealthy($"no line matched /{pattern}/ among {context.Output.TotalLines} lines"));
    }

    /// <summary>Watches the output of one generation for the first matching line.</summary>
    private sealed class Watch
    {
        private readonly IDisposable _subscription;
        private OutputLine? _matched;

        public Watch(Regex pattern, ProbeContext context)
        {
            _subscription = context.Output.Subscribe(
                line =>
                {
                    if (_matched is not null)
                    {
                        return;
                    }

                    var match = pattern.Match(line.Text);
                    if (!match.Success)
                    {
                        return;
                    }

                    foreach (var name in pattern.GetGroupNames())
                    {
                        if (!int.TryParse(name, out _) && match.Groups[name].Success)
                        {
                            context.SetValue(name, match.Groups[name].Value);
                        }
                    }

                    _matched = line;
                    _subscription?.Dispose();
                },
                afterSequence: 0,
                replay: true);
            if (_matched is not null)
            {
                _subscription.Dispose();
            }
        }

        public OutputLine? Matched => _matched;
    }
}
