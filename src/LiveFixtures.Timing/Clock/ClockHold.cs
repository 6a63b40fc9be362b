namespace LiveFixtures.Timing;

/// <summary>
/// Takes a hold on a virtual clock at most once, and releases it when disposed; a take after the release is ignored.
/// Taken from a callback that runs inside a firing (a budget's delay, a wait's timeout), it keeps the clock from firing
/// anything else until the library code that reacts to that firing has done so.
/// </summary>
internal sealed class ClockHold(VirtualTimeProvider? clock) : IDisposable
{
    private readonly Lock _gate = new();
    private IDisposable? _hold;
    private bool _released;

    public void Take()
    {
        lock (_gate)
        {
            if (clock is not null && !_released && _hold is null)
            {
                _hold = clock.Hold();
            }
        }
    }

    public void Dispose()
    {
        IDisposable? hold;
        lock (_gate)
        {
            _released = true;
            hold = _hold;
            _hold = null;
        }

        hold?.Dispose();
    }
}
