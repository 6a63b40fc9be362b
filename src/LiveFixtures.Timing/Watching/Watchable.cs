using System.Diagnostics;

namespace LiveFixtures.Timing;

/// <summary>Creates the built-in <see cref="IWatchable"/> implementations for a process and for a background task.</summary>
public static class Watchable
{
    /// <summary>Watches a process: its death is its exit, described by exit code and, on Linux, signal name.</summary>
    /// <param name="process">The started process to watch; this turns on its <see cref="Process.EnableRaisingEvents"/>.</param>
    /// <param name="name">The name for messages; defaults to the process name and pid.</param>
    /// <param name="outputTail">A function that returns the last lines of the process's output when it dies, or <see langword="null"/> to show none.</param>
    /// <returns>The watchable, which fails as soon as the process exits (at once if it already has).</returns>
    /// <remarks>A process started by another process is watched too, but its exit code is not available.</remarks>
    /// <exception cref="InvalidOperationException">The process has not been started.</exception>
    public static IWatchable ForProcess(Process process, string? name = null, Func<string?>? outputTail = null)
    {
        ArgumentNullException.ThrowIfNull(process);
        return new ProcessWatch(process, name, outputTail);
    }

    /// <summary>Watches a background task that should keep running: its death is any completion (faulted, canceled or finished).</summary>
    /// <param name="task">The task to watch.</param>
    /// <param name="name">The name for messages, such as "the message pump".</param>
    /// <returns>The watchable, which fails as soon as the task completes (at once if it already has).</returns>
    public static IWatchable ForTask(Task task, string name)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new TaskWatch(task, name);
    }
}
