namespace LiveFixtures.Platform;

/// <summary>Chooses the process table for the OS we run on.</summary>
internal static class ProcessTables
{
    /// <summary>Gets the table for this OS.</summary>
    public static IProcessTable Current { get; } = OperatingSystem.IsLinux()
        ? new LinuxProcessTable()
        : new UnsupportedProcessTable();

    /// <summary>Gets whether descendants can be listed (the process table is readable) on this OS.</summary>
    public static bool CanListDescendants => OperatingSystem.IsLinux() && Directory.Exists("/proc");

    /// <summary>Lists the running descendants of <paramref name="rootPid"/> by parentage, breadth first.</summary>
    public static List<OsProcessInfo> Descendants(IProcessTable table, int rootPid) => Descendants(table.Snapshot(), rootPid);

    /// <summary>Lists the descendants of <paramref name="rootPid"/> within a snapshot, breadth first.</summary>
    public static List<OsProcessInfo> Descendants(IReadOnlyList<OsProcessInfo> all, int rootPid)
    {
        var byParent = all.ToLookup(p => p.ParentPid);
        var found = new Dictionary<int, OsProcessInfo>();
        var frontier = new Queue<int>([rootPid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in byParent[parent].Where(c => c.Pid != rootPid && found.TryAdd(c.Pid, c)))
            {
                frontier.Enqueue(child.Pid);
            }
        }

        return [.. found.Values];
    }

    /// <summary>Names a signal for messages: "SIGABRT", or "signal 40" for one we do not name.</summary>
    public static string SignalName(int signal) =>
        Enum.IsDefined(typeof(PosixSignalNumber), signal) ? ((PosixSignalNumber)signal).ToString() : $"signal {signal}";

    /// <summary>Describes an exit in the one wording every message uses: "exit code 134 (SIGABRT)", "exit code 3".</summary>
    /// <param name="exitCode">The exit code, or <see langword="null"/> when it is not known.</param>
    /// <param name="signal">The signal that ended the process, when one did.</param>
    public static string DescribeExit(int? exitCode, int? signal) =>
        exitCode is null ? "exit status unknown"
        : signal is { } s ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"exit code {exitCode} ({SignalName(s)})")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"exit code {exitCode}");

    /// <summary>Reads the signal out of an exit code as the .NET runtime reports it on Unix (128 + signal).</summary>
    public static int? SignalFromExitCode(int exitCode) =>
        !OperatingSystem.IsWindows() && exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : null;
}
