namespace LiveFixtures.Platform;

/// <summary>What the OS says about one process at one moment.</summary>
internal sealed record OsProcessInfo(
    int Pid,
    int ParentPid,
    int ProcessGroup,
    int Session,
    ulong StartTicks,
    string CommandLine);
