namespace LiveFixtures;

/// <summary>Names how a generation ended.</summary>
public enum DeathCause
{
    /// <summary>It exited on its own (an exit code, or a signal).</summary>
    Exited,

    /// <summary>It was alive but failed its liveness probe, and was replaced.</summary>
    Degraded,

    /// <summary>It never became ready (it exited while starting, or its readiness probe timed out).</summary>
    FailedToStart,

    /// <summary>It was stopped on purpose.</summary>
    Stopped,
}
