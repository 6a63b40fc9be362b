namespace LiveFixtures.Platform;

/// <summary>
/// The table on an OS where we cannot read the process table: the handle still starts, watches and
/// kills its own direct child (through <see cref="System.Diagnostics.Process"/>), but cannot find
/// re-parented descendants or port owners.
/// </summary>
internal sealed class UnsupportedProcessTable : IProcessTable
{
    public bool SupportsProcessGroups => false;

    public bool CanReadEnvironment => false;

    public IReadOnlyList<OsProcessInfo> Snapshot() => [];

    public OsProcessInfo? TryGet(int pid) => null;

    public bool HasEnvironmentVariable(int pid, string name, string value) => false;

    public bool Signal(int pid, PosixSignalNumber signal) => throw NotSupported("sending signals");

    public bool SignalGroup(int processGroup, PosixSignalNumber signal) => throw NotSupported("signalling process groups");

    public OsProcessInfo? FindListener(int port) => null;

    private static PlatformNotSupportedException NotSupported(string what) => new(
        $"LiveFixtures does not support {what} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; " +
        "it is supported on Linux.");
}
