using System.Runtime.CompilerServices;

namespace LiveFixtures.Timing;

/// <summary>
/// Awaits a trip through the thread pool's global (first in, first out) queue, so that every work item
/// queued before it has been picked up by the time the awaiting code resumes.
/// </summary>
/// <remarks>
/// <see cref="Task.Yield"/> may queue to the current worker's local queue, which it runs last in, first
/// out; this awaitable always goes to the back of the global queue.
/// </remarks>
internal readonly struct GlobalQueueYield : ICriticalNotifyCompletion
{
    public bool IsCompleted => false;

    public GlobalQueueYield GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) =>
        ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

    public void UnsafeOnCompleted(Action continuation) =>
        ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
}
