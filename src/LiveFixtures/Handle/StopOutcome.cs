namespace LiveFixtures;

/// <summary>Names how a stop went.</summary>
public enum StopOutcome
{
    /// <summary>There was nothing to stop: the handle never started.</summary>
    NotStarted,

    /// <summary>The process had already exited before the stop.</summary>
    AlreadyExited,

    /// <summary>The process exited within the grace period after SIGTERM.</summary>
    Graceful,

    /// <summary>The process outlived the grace period and was killed.</summary>
    Killed,
}
