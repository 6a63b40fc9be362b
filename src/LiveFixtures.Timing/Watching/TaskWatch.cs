namespace LiveFixtures.Timing;

/// <summary>Watches a background task that should keep running; any completion is its death.</summary>
internal sealed class TaskWatch : IWatchable
{
    public TaskWatch(Task task, string name)
    {
        Name = name;
        WhenFailed = task.ContinueWith(
            static t => Describe(t),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public string Name { get; }

    public Task<string> WhenFailed { get; }

    private static string Describe(Task task) => task.Status switch
    {
        TaskStatus.Faulted => task.Exception!.InnerExceptions.Count == 1
            ? $"faulted with {Durations.Describe(task.Exception.InnerExceptions[0])}"
            : $"faulted with {task.Exception.InnerExceptions.Count} exceptions, the first {Durations.Describe(task.Exception.InnerExceptions[0])}",
        TaskStatus.Canceled => "was canceled",
        _ => "completed, although it was expected to keep running",
    };
}
