using System.Globalization;

namespace LiveFixtures.Containment;

/// <summary>Reads single entries of /proc: one process's stat, one process's children. Never the whole table.</summary>
internal static class ProcFs
{
    /// <summary>Gets whether the kernel lists children per task (CONFIG_PROC_CHILDREN), so that a tree is walked without scanning /proc.</summary>
    public static bool HasChildrenFiles { get; } = File.Exists($"/proc/{Environment.ProcessId}/task/{Environment.ProcessId}/children");

    /// <summary>Reads the parts of /proc/PID/stat containment needs, or null when the process is gone (reaped).</summary>
    public static ProcStat? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');

            // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime
            return new ProcStat(
                pid,
                fields[0][0],
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                ulong.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads which cgroup a process is in: its cgroup v2 ("0::" line) where there is one, else every hierarchy's line;
    /// null when the process is gone or the file cannot be read.
    /// </summary>
    public static string? Cgroup(int pid)
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{pid}/cgroup");
            return lines.FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal)) ?? string.Join('\n', lines);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Lists the direct children of <paramref name="pid"/> (of all its threads).</summary>
    public static List<int> Children(int pid)
    {
        if (!HasChildrenFiles)
        {
            return ChildrenByScan(pid);
        }

        var result = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // the thread ended meanwhile
                }

                foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var child))
                    {
                        result.Add(child);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return result;
    }

    /// <summary>
    /// Lists the children that orphans come back to in a subreaper process: the kernel hands them to its first live
    /// thread, the main thread. Falls back to every thread's children when the main thread's list cannot be read.
    /// </summary>
    public static List<int> AdoptedChildren(int pid)
    {
        if (HasChildrenFiles)
        {
            try
            {
                return [.. File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture))];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }

        return Children(pid);
    }

    /// <summary>Finds children by reading every process's stat: only where the kernel has no children files (CONFIG_PROC_CHILDREN off).</summary>
    private static List<int> ChildrenByScan(int pid)
    {
        var result = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate)
                && Stat(candidate) is { } stat && stat.ParentPid == pid)
            {
                result.Add(candidate);
            }
        }

        return result;
    }

    /// <summary>Walks the tree below <paramref name="pid"/> (not including it), breadth first.</summary>
    public static List<ProcStat> Subtree(int pid)
    {
        var found = new List<ProcStat>();
        var seen = new HashSet<int> { pid };
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in Children(parent))
            {
                if (seen.Add(child) && Stat(child) is { } stat && stat.ParentPid == parent)
                {
                    found.Add(stat);
                    frontier.Enqueue(child);
                }
            }
        }

        return found;
    }
}

/// <summary>One process as /proc/PID/stat shows it.</summary>
internal sealed record ProcStat(int Pid, char State, int ParentPid, int ProcessGroup, int Session, ulong StartTicks)
{
    /// <summary>Gets whether the process has ended and only waits for its parent to reap it.</summary>
    public bool IsZombie => State is 'Z' or 'X';
}
