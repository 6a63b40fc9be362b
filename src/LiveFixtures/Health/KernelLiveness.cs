using System.Globalization;

namespace LiveFixtures.Health;

/// <summary>What the kernel says about a generation's root process at the moment it is asked.</summary>
internal enum KernelState
{
    /// <summary>Running or sleeping, with no fatal signal pending (or the platform cannot tell).</summary>
    Alive,

    /// <summary>Stopped by a signal (state T: SIGSTOP, SIGTSTP): it cannot answer until it is continued.</summary>
    Stopped,

    /// <summary>On its way out: SIGKILL pending, or the kernel already tearing it down (its sockets may still accept).</summary>
    Exiting,

    /// <summary>Exited (a zombie), reaped, or the pid now belongs to another process.</summary>
    Gone,
}

/// <summary>
/// Asks the kernel whether a process is alive, from <c>/proc/PID/stat</c> and <c>/proc/PID/status</c>: a probe that
/// passed proves little on its own, as the kernel still completes TCP handshakes on the listening socket of a
/// process that is being killed.
/// </summary>
internal static class KernelLiveness
{
    /// <summary>PF_EXITING in the task flags (field 9 of /proc/PID/stat): set the moment do_exit begins.</summary>
    private const ulong PfExiting = 0x4;

    /// <summary>The bit of SIGKILL (signal 9) in the pending-signal masks of /proc/PID/status.</summary>
    private const ulong SigKillBit = 1UL << 8;

    /// <summary>Reads the state of <paramref name="pid"/>; <paramref name="startTime"/> (clock ticks after boot) pins its identity.</summary>
    /// <param name="pid">The process id.</param>
    /// <param name="startTime">The start time seen first; 0 the first time, then set here so that a reused pid reads as gone.</param>
    /// <returns>The state.</returns>
    public static KernelState Read(int pid, ref ulong startTime)
    {
        if (!OperatingSystem.IsLinux())
        {
            return KernelState.Alive;
        }

        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return KernelState.Gone;
        }

        var close = stat.LastIndexOf(')');
        var fields = close < 0 ? [] : stat[(close + 2)..].Split(' ');
        if (fields.Length < 20
            || !ulong.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var flags)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var started))
        {
            return KernelState.Alive; // an unreadable format proves nothing either way
        }

        if (startTime == 0)
        {
            startTime = started;
        }
        else if (startTime != started)
        {
            return KernelState.Gone;
        }

        var state = fields[0];
        if (state is "Z" or "X" or "x")
        {
            return KernelState.Gone;
        }

        if ((flags & PfExiting) != 0 || KillPending(pid))
        {
            return KernelState.Exiting;
        }

        return state == "T" ? KernelState.Stopped : KernelState.Alive;
    }

    /// <summary>Tells whether SIGKILL is pending for the process (its thread group, or its main thread).</summary>
    private static bool KillPending(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if ((line.StartsWith("SigPnd:", StringComparison.Ordinal) || line.StartsWith("ShdPnd:", StringComparison.Ordinal))
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
                    && (mask & SigKillBit) != 0)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // gone between the two reads
        }

        return false;
    }
}
