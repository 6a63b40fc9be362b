using System.Collections.Concurrent;

namespace LiveFixtures.Tests.Timing.Services;

/// <summary>A consumer of the old school: a dedicated thread blocks on a queue, and reports every period on the clock.</summary>
public sealed class LegacyQueueConsumer(TimeProvider clock) : IDisposable
{
    private readonly BlockingCollection<string> _queue = [];
    private Thread? _thread;

    public int Reports { get; private set; }

    public void Start()
    {
        _thread = new Thread(() =>
        {
            foreach (var _ in _queue.GetConsumingEnumerable())
            {
                // Consumes items; blocks synchronously while there are none.
            }
        })
        { IsBackground = true };
        _thread.Start();
    }

    public async Task ReportEveryMinuteAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromMinutes(1), clock, cancellationToken);
            Reports++;
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread?.Join();
        _queue.Dispose();
    }
}
