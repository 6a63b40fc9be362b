namespace LiveFixtures.Extensibility;

/// <summary>
/// Represents something a wait can watch, such as a process or a background task, so that the wait fails
/// at once when it dies instead of running out its timeout.
/// </summary>
/// <remarks>
/// <para>Implement it for anything whose death dooms a wait: <see cref="WhenFailed"/> completes once, with a
/// description of the death, and never completes while the thing is healthy. Waits subscribe to it with
/// continuations, so it should complete promptly (event-driven, not polled). If it faults or is canceled, a
/// wait takes that as "can no longer be watched" and fails too.</para>
/// <para>Built-in implementations: <see cref="Timing.Watchable.ForProcess"/> and <see cref="Timing.Watchable.ForTask"/>.</para>
/// </remarks>
public interface IWatchable
{
    /// <summary>Gets the name that failure messages use for the watched thing, such as "LiveGui (pid 41873)".</summary>
    string Name { get; }

    /// <summary>
    /// Gets a task that completes with a description of the death when the watched thing dies, and never
    /// completes while it is healthy.
    /// </summary>
    /// <remarks>
    /// The first line of the description is the cause, as a sentence fragment that follows "died: "
    /// ("exit code 134 (SIGABRT)"); further lines may carry evidence, such as the last lines of output.
    /// </remarks>
    Task<string> WhenFailed { get; }
}
