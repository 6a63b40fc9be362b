namespace LiveFixtures.Testing;

/// <summary>Reads /proc to tell whether a process is still running (a zombie counts as gone).</summary>
internal static class OsProcess
{
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads when a process started (clock ticks since boot), or null when it is gone: a pid and its start time name one process.</summary>
    public static ulong? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return ulong.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Tells whether the process that had this pid and start time still runs (not a stranger that took the pid).</summary>
    public static bool IsRunning(int pid, ulong startTicks) => IsRunning(pid) && StartTicks(pid) == startTicks;

    /// <summary>Lists the direct children of a process, from every one of its threads.</summary>
    public static List<int> Children(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    children.AddRange(File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
                }
                catch (IOException)
                {
                }
            }
        }
        catch (IOException)
        {
        }

        return children;
    }

    /// <summary>Kills a pid if it still runs (test cleanup for processes a test started by hand).</summary>
    public static void KillQuietly(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }
}
