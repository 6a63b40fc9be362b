namespace LiveFixtures.Tests.Timing.Services;

/// <summary>A draining worker host: a background loop drains its queue every second on the given clock.</summary>
public sealed class WorkerHost(TimeProvider clock, bool forgetsToStopTheLoop = false) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Queue<string> _queue = new();
    private Task _loop = Task.CompletedTask;

    public int Drained { get; private set; }

    public void Start() => _loop = LoopAsync(_stop.Token);

    public void Enqueue(string item)
    {
        lock (_queue)
        {
            _queue.Enqueue(item);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!forgetsToStopTheLoop)
        {
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), clock, cancellationToken);
            lock (_queue)
            {
                while (_queue.TryDequeue(out _))
                {
                    Drained++;
                }
            }
        }
    }
}
