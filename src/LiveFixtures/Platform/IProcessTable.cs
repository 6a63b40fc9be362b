namespace LiveFixtures.Platform;

/// <summary>The OS-specific operations the handle needs: reading the process table, signals, port owners.</summary>
internal interface IProcessTable
{
    /// <summary>Gets whether processes can be started in their own process group and signalled as one.</summary>
    bool SupportsProcessGroups { get; }

    /// <summary>Gets whether environment cookies of other processes can be read.</summary>
    bool CanReadEnvironment { get; }

    /// <summary>Lists every process visible to us.</summary>
    IReadOnlyList<OsProcessInfo> Snapshot();

    /// <summary>Reads one process, or null when it does not exist (any more).</summary>
    OsProcessInfo? TryGet(int pid);

    /// <summary>Tells whether the process carries the environment variable <paramref name="name"/> = <paramref name="value"/>.</summary>
    bool HasEnvironmentVariable(int pid, string name, string value);

    /// <summary>Sends a signal to one process; false when it no longer exists.</summary>
    bool Signal(int pid, PosixSignalNumber signal);

    /// <summary>Sends a signal to every process in a process group; false when the group is gone.</summary>
    bool SignalGroup(int processGroup, PosixSignalNumber signal);

    /// <summary>Finds the process listening on a TCP port on this machine, when it can be seen.</summary>
    OsProcessInfo? FindListener(int port);
}
