using System.Globalization;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// Identifies a process so that it survives pid reuse, reboots and containers: pid, start time (clock ticks since
/// boot), the boot id, and the inode of the pid namespace the pid is counted in.
/// </summary>
internal sealed class ProcessIdentity
{
    /// <summary>The process id, in <see cref="PidNamespace"/>.</summary>
    public int Pid { get; set; }

    /// <summary>The start time in clock ticks since boot (field 22 of /proc/PID/stat).</summary>
    public ulong StartTicks { get; set; }

    /// <summary>The kernel's boot id (/proc/sys/kernel/random/boot_id) when the process was recorded.</summary>
    public string BootId { get; set; } = "";

    /// <summary>The inode of the pid namespace the pid belongs to (/proc/self/ns/pid), as "pid:[4026531836]".</summary>
    public string PidNamespace { get; set; } = "";

    /// <summary>Gets the boot id of the running kernel, or an empty string where there is none to read.</summary>
    public static string CurrentBootId { get; } = ReadTrimmed("/proc/sys/kernel/random/boot_id");

    /// <summary>Gets the pid namespace this process sees pids in, or an empty string where there is none to read.</summary>
    public static string CurrentPidNamespace { get; } = ReadLink("/proc/self/ns/pid");

    /// <summary>Gets the identity of the current process.</summary>
    public static ProcessIdentity Current { get; } = Of(Environment.ProcessId) ?? new ProcessIdentity { Pid = Environment.ProcessId };

    /// <summary>Identifies a running process in this boot and namespace, or returns null when it is gone.</summary>
    public static ProcessIdentity? Of(int pid) =>
        ProcessTables.Current.TryGet(pid) is { } info
            ? new ProcessIdentity { Pid = pid, StartTicks = info.StartTicks, BootId = CurrentBootId, PidNamespace = CurrentPidNamespace }
            : null;

    /// <summary>
    /// Gets whether the process this identity names is running now: same boot, same pid namespace, and the pid is
    /// alive with the same start time. A pid that was reused, a record from before a reboot or from another container
    /// is not alive.
    /// </summary>
    public bool IsAlive() =>
        Pid > 0
        && BootId.Length > 0 && BootId == CurrentBootId
        && PidNamespace == CurrentPidNamespace
        && ProcessTables.Current.TryGet(Pid) is { } now
        && now.StartTicks == StartTicks;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"pid {Pid} (started at tick {StartTicks})");

    private static string ReadTrimmed(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
