namespace LiveFixtures;

/// <summary>Names the states a <see cref="LiveProcess"/> moves through.</summary>
public enum LiveProcessState
{
    /// <summary>No generation has been started yet.</summary>
    NotStarted,

    /// <summary>A generation is starting and its readiness probe has not passed yet.</summary>
    Starting,

    /// <summary>The current generation is running and passed its last probe.</summary>
    Ready,

    /// <summary>The current generation is alive but failed its liveness probe; it will be replaced.</summary>
    Degraded,

    /// <summary>The current generation has exited on its own; it will be replaced.</summary>
    Dead,

    /// <summary>The current generation is being stopped.</summary>
    Stopping,

    /// <summary>The handle was stopped; <see cref="LiveProcess.EnsureReadyAsync"/> starts it again.</summary>
    Stopped,

    /// <summary>The restart budget is used up; every <see cref="LiveProcess.EnsureReadyAsync"/> fails at once.</summary>
    Faulted,
}
