namespace LiveFixtures.Timing;

/// <summary>Subscribes to the <see cref="IWatchable"/>s of a wait and cancels a token at the first death.</summary>
internal sealed class DeathWatch : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationTokenSource _unsubscribe = new();
    private Death? _death;

    public DeathWatch(IReadOnlyList<IWatchable> watched)
    {
        foreach (var watchable in watched)
        {
            watchable.WhenFailed.ContinueWith(
                static (task, state) => ((Subscription)state!).Watch.OnDeath(((Subscription)state!).Watchable, task),
                new Subscription(this, watchable),
                _unsubscribe.Token,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    /// <summary>Gets the token that is cancelled at the first death.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Gets the first death, or null while everything watched is alive.</summary>
    public Death? Death => Volatile.Read(ref _death);

    /// <summary>Unsubscribes (a cancelled continuation is removed from a long-lived watchable's task) and frees the token.</summary>
    public void Dispose()
    {
        _unsubscribe.Cancel();
        _unsubscribe.Dispose();
        _cts.Dispose();
    }

    private void OnDeath(IWatchable watchable, Task<string> failed)
    {
        var description = failed.Status switch
        {
            TaskStatus.RanToCompletion => failed.Result,
            TaskStatus.Faulted => $"its watch faulted with {Durations.Describe(failed.Exception!.GetBaseException())}, so it can no longer be watched",
            _ => "its watch was canceled before it described a death, so it can no longer be watched",
        };
        if (Interlocked.CompareExchange(ref _death, new Death(watchable.Name, description), null) is not null)
        {
            return;
        }

        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The wait has already ended.
        }
    }

    private sealed record Subscription(DeathWatch Watch, IWatchable Watchable);
}

/// <summary>Records which watched thing died first, and how.</summary>
internal sealed record Death(string Name, string Description)
{
    /// <summary>Gets the first line of the description: the cause.</summary>
    public string Cause => Description.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>Gets the lines after the first, starting with a line break, or an empty string.</summary>
    public string Evidence => Description.Contains('\n', StringComparison.Ordinal) ? Environment.NewLine + Description.Split('\n', 2)[1].TrimEnd() : string.Empty;
}
