namespace LiveFixtures.TestApp;

/// <summary>Counts in-flight /work requests and signals when they have drained after shutdown began.</summary>
internal sealed class WorkTracker
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancelAll = new();
    private int _inFlight;
    private bool _stopping;

    /// <summary>Gets a token that <see cref="CancelAll"/> cancels.</summary>
    public CancellationToken Stopping => _cancelAll.Token;

    /// <summary>Gets a task that completes once shutdown began and no work is in flight.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Counts one more request in flight.</summary>
    public void Enter()
    {
        lock (_lock)
        {
            _inFlight++;
        }
    }

    /// <summary>Counts one request less in flight; signals <see cref="Drained"/> when the last one leaves during shutdown.</summary>
    public void Exit()
    {
        lock (_lock)
        {
            _inFlight--;
            if (_stopping && _inFlight == 0)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>Marks the start of shutdown and returns the number of requests still in flight.</summary>
    public int BeginStopping()
    {
        lock (_lock)
        {
            _stopping = true;
            if (_inFlight == 0)
            {
                _drained.TrySetResult();
            }

            return _inFlight;
        }
    }

    /// <summary>Cancels all work; cancelled work may run to its end inside this call.</summary>
    public void CancelAll() => _cancelAll.Cancel();
}
