using LiveFixtures.Output;
using LiveFixtures.Timing;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    /// <summary>
    /// Returns a watch over the current generation for the timing helpers' waits (<c>Wait.EventuallyAsync</c>, <c>Wait.ConsistentlyAsync</c>),
    /// so that a wait fails the moment the process exits, with its exit code, signal and output tail.
    /// </summary>
    /// <returns>The watch; it concerns the generation running now, not later ones.</returns>
    /// <exception cref="InvalidOperationException">No generation is running: call <see cref="EnsureReadyAsync"/> first.</exception>
    public IWatchable AsWatchable()
    {
        var current = Current ?? throw new InvalidOperationException($"LiveProcess '{Name}' has no running generation: call EnsureReadyAsync first.");
        return new GenerationWatch($"'{Name}' (generation {current.Number}, pid {current.ProcessId})", WhenExited);
    }

    private sealed class GenerationWatch(string name, Task<DeathRecord> exited) : IWatchable
    {
        public string Name => name;

        public Task<string> WhenFailed { get; } = exited.ContinueWith(
            static t => $"{t.Result.DescribeCause()}{(t.Result.TestName is null ? "" : $" during test '{t.Result.TestName}'")}{Environment.NewLine}Last output:{Environment.NewLine}{OutputLog.Format(t.Result.OutputTail)}",
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }
}
