using System.Threading.Channels;

namespace LiveFixtures.TestApp;

/// <summary>Executes clicks on a small pool of worker tasks fed by a channel, like a GUI's job queue.</summary>
internal sealed class ClickWorkerPool
{
    public const string ShutDownMessage = "cannot schedule new futures after shutdown";

    private const int WorkerCount = 2;

    private readonly Channel<(string Button, TaskCompletionSource<int> Done)> _queue =
        Channel.CreateUnbounded<(string, TaskCompletionSource<int>)>();
    private readonly Lock _lock = new();
    private readonly List<string> _buttons = [];
    private readonly int? _crashAfterClicks;

    public ClickWorkerPool(int? crashAfterClicks)
    {
        _crashAfterClicks = crashAfterClicks;
        for (var i = 0; i < WorkerCount; i++)
        {
            _ = Task.Run(RunWorkerAsync);
        }
    }

    public bool IsShutDown { get; private set; }

    public int Clicks
    {
        get
        {
            lock (_lock)
            {
                return _buttons.Count;
            }
        }
    }

    public string[] Buttons
    {
        get
        {
            lock (_lock)
            {
                return [.. _buttons];
            }
        }
    }

    /// <summary>Queues a click and returns the click count after it; throws once the pool is shut down.</summary>
    public Task<int> ClickAsync(string button)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((button, done)))
        {
            throw new InvalidOperationException(ShutDownMessage);
        }

        return done.Task;
    }

    /// <summary>Stops accepting work; queued clicks still run.</summary>
    public void ShutDown()
    {
        IsShutDown = true;
        _queue.Writer.TryComplete();
    }

    private async Task RunWorkerAsync()
    {
        await foreach (var (button, done) in _queue.Reader.ReadAllAsync())
        {
            int clicks;
            lock (_lock)
            {
                _buttons.Add(button);
                clicks = _buttons.Count;
                Console.WriteLine($"clicked {button}");
            }

            if (clicks == _crashAfterClicks)
            {
                NativeCrash.AbortNow();
            }

            done.SetResult(clicks);
        }
    }
}
