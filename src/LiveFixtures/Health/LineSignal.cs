namespace LiveFixtures.Health;

/// <summary>Wakes a waiter when the process writes a line: arm it before a check, then await what it returned.</summary>
internal sealed class LineSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Returns a task that completes at the next line written after this call.</summary>
    public Task Arm()
    {
        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _current, fresh);
        return fresh.Task;
    }

    /// <summary>Wakes the armed waiter, if any.</summary>
    public void Set() => Volatile.Read(ref _current).TrySetResult();
}
