using System.Threading.Channels;

namespace LiveFixtures.TestApp;

/// <summary>Fans events out to every connected Server-Sent Events client.</summary>
internal sealed class EventHub
{
    private readonly Lock _lock = new();
    private readonly HashSet<Channel<string>> _subscribers = [];
    private bool _completed;

    /// <summary>Sends one event to every subscriber.</summary>
    public void Publish(string text)
    {
        lock (_lock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(text);
            }
        }
    }

    /// <summary>Ends every stream after its pending events; new streams end at once.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
        }
    }

    /// <summary>Streams events as <c>data: text</c> until the client leaves or the hub completes.</summary>
    public async Task StreamAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<string>();
        lock (_lock)
        {
            _subscribers.Add(channel);
            if (_completed)
            {
                channel.Writer.TryComplete();
            }
        }

        try
        {
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            // Headers go out now, so a client that has them is known to be subscribed.
            await response.StartAsync(cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            await foreach (var text in channel.Reader.ReadAllAsync(cancellationToken))
            {
                await response.WriteAsync($"data: {text}\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
