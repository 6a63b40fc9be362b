using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace LiveFixtures.Platform;

/// <summary>The process table read from /proc, with signals sent through libc.</summary>
[SupportedOSPlatform("linux")]
internal sealed partial class LinuxProcessTable : IProcessTable
{
    private const int Esrch = 3;
    private const int Eperm = 1;

    public bool SupportsProcessGroups => File.Exists(SetsidPath);

    public bool CanReadEnvironment => true;

    /// <summary>Gets the util-linux setsid program used to start a child in its own session and group.</summary>
    public static string SetsidPath { get; } = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "/bin/setsid";

    public IReadOnlyList<OsProcessInfo> Snapshot()
    {
        var result = new List<OsProcessInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryGet(pid) is { } info)
            {
                result.Add(info);
            }
        }

        return result;
    }

    public OsProcessInfo? TryGet(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close < 0)
            {
                return null;
            }

            // Fields after "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt
            // cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime ...
            var fields = stat[(close + 2)..].Split(' ');
            if (fields.Length < 20 || fields[0] == "Z" || fields[0] == "X")
            {
                return null; // gone, or a zombie that only waits to be reaped
            }

            return new OsProcessInfo(
                pid,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                ulong.Parse(fields[19], CultureInfo.InvariantCulture),
                ReadCommandLine(pid));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public bool HasEnvironmentVariable(int pid, string name, string value)
    {
        try
        {
            var wanted = $"{name}={value}";
            var environ = File.ReadAllText($"/proc/{pid}/environ");
            foreach (var entry in environ.Split('\0'))
            {
                if (entry == wanted)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    public bool Signal(int pid, PosixSignalNumber signal) => Kill(pid, signal);

    public bool SignalGroup(int processGroup, PosixSignalNumber signal) => Kill(-processGroup, signal);

    public OsProcessInfo? FindListener(int port)
    {
        var sockets = ListeningSockets([port]);
        return sockets.Count == 0 ? null : FindSocketOwner(sockets);
    }

    /// <summary>
    /// Gets the sockets (as their /proc/PID/fd link targets, <c>socket:[INODE]</c>) that listen on TCP port one of
    /// <paramref name="ports"/>, IPv4 or IPv6, from /proc/net/tcp and /proc/net/tcp6 (this network namespace).
    /// </summary>
    public static HashSet<string> ListeningSockets(IReadOnlyCollection<int> ports)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        if (ports.Count == 0)
        {
            return inodes;
        }

        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            try
            {
                if (!File.Exists(table))
                {
                    continue;
                }

                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (cols.Length < 10 || cols[3] != "0A")
                    {
                        continue; // not LISTEN
                    }

                    var colon = cols[1].LastIndexOf(':');
                    if (ports.Contains(int.Parse(cols[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
                    {
                        inodes.Add($"socket:[{cols[9]}]");
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }

        return inodes;
    }

    /// <summary>Tells whether process <paramref name="pid"/> holds one of <paramref name="sockets"/> (see <see cref="ListeningSockets"/>) among its open files.</summary>
    public static bool HoldsSocket(int pid, HashSet<string> sockets)
    {
        if (sockets.Count == 0)
        {
            return false;
        }

        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget is { } target && sockets.Contains(target))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    private OsProcessInfo? FindSocketOwner(HashSet<string> inodes)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && HoldsSocket(pid, inodes))
            {
                return TryGet(pid);
            }
        }

        return null;
    }

    private static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static bool Kill(int pid, PosixSignalNumber signal)
    {
        if (SysKill(pid, (int)signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        // ESRCH: gone already. EPERM: not ours to signal (a setuid helper); the stop reports what it could kill.
        return errno is Esrch or Eperm
            ? false
            : throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}.");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
