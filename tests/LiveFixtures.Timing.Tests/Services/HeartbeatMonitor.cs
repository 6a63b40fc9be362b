namespace LiveFixtures.Tests.Timing.Services;

/// <summary>A service of the kind the timing helpers are for: it beats every period and reports itself unhealthy when a beat is late.</summary>
public sealed class HeartbeatMonitor(TimeProvider clock, TimeSpan period)
{
    private readonly List<DateTimeOffset> _beats = [];

    public IReadOnlyList<DateTimeOffset> Beats
    {
        get
        {
            lock (_beats)
            {
                return [.. _beats];
            }
        }
    }

    public bool IsHealthy
    {
        get
        {
            lock (_beats)
            {
                var last = _beats.Count == 0 ? _started : _beats[^1];
                return clock.GetUtcNow() - last <= period * 2;
            }
        }
    }

    private DateTimeOffset _started;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _started = clock.GetUtcNow();
        while (true)
        {
            await Task.Delay(period, clock, cancellationToken);
            lock (_beats)
            {
                _beats.Add(clock.GetUtcNow());
            }
        }
    }
}
