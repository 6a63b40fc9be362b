using System.Buffers.Text;
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

        // Read into a stack buffer and parse bytes: this runs around every guarded test, so it allocates little.
        Span<byte> buffer = stackalloc byte[4096];
        var length = ReadProc(pid, "stat", buffer);
        if (length < 0)
        {
            return KernelState.Gone;
        }

        var stat = buffer[..length];
        var close = stat.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return KernelState.Alive; // an unreadable format proves nothing either way
        }

        // Fields after "pid (comm) ": state ppid pgrp session tty_nr tpgid flags ... starttime (the 20th).
        var rest = stat[(close + 2)..];
        var state = rest[0];
        ulong flags = 0;
        ulong started = 0;
        var field = 0;
        var parsed = 0;
        foreach (var range in rest.Split((byte)' '))
        {
            var text = rest[range];
            if (field == 6 && Utf8Parser.TryParse(text, out flags, out _))
            {
                parsed++;
            }
            else if (field == 19 && Utf8Parser.TryParse(text, out started, out _))
            {
                parsed++;
                break;
            }

            field++;
        }

        if (parsed < 2)
        {
            return KernelState.Alive;
        }

        if (startTime == 0)
        {
            startTime = started;
        }
        else if (startTime != started)
        {
            return KernelState.Gone;
        }

        if (state is (byte)'Z' or (byte)'X' or (byte)'x')
        {
            return KernelState.Gone;
        }

        if ((flags & PfExiting) != 0 || KillPending(pid, buffer))
        {
            return KernelState.Exiting;
        }

        return state == (byte)'T' ? KernelState.Stopped : KernelState.Alive;
    }

    /// <summary>Tells whether SIGKILL is pending for the process (its thread group, or its main thread).</summary>
    private static bool KillPending(int pid, Span<byte> buffer)
    {
        var length = ReadProc(pid, "status", buffer);
        if (length < 0)
        {
            return true; // gone between the two reads
        }

        var status = buffer[..length];
        foreach (var range in status.Split((byte)'\n'))
        {
            var line = status[range];
            if ((line.StartsWith("SigPnd:"u8) || line.StartsWith("ShdPnd:"u8))
                && Utf8Parser.TryParse(line[7..].Trim((byte)'\t').Trim((byte)' '), out ulong mask, out _, 'X')
                && (mask & SigKillBit) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads /proc/PID/<paramref name="name"/> into <paramref name="buffer"/>; returns the length, or -1 when it is gone.</summary>
    private static int ReadProc(int pid, string name, Span<byte> buffer)
    {
        try
        {
            using var handle = File.OpenHandle(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/{name}"));
            var total = 0;
            int read;
            while (total < buffer.Length && (read = RandomAccess.Read(handle, buffer[total..], total)) > 0)
            {
                total += read;
            }

            return total;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
