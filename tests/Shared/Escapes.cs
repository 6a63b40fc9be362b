namespace LiveFixtures.Testing;

/// <summary>Apps whose descendants try every way out of a process tree, for the containment tests.</summary>
internal static class Escapes
{
    /// <summary>
    /// A shell whose grandchild leaves by a double fork and setsid, drops its environment (and with it the cookie)
    /// with env -i, ignores SIGTERM and lets go of the app's pipes. The app prints "escaped PID", then sleeps.
    /// </summary>
    public static LiveProcessBuilder Builder() =>
        new LiveProcessBuilder("/bin/sh")
            .WithName("Escape")
            .WithArguments("-c", "/usr/bin/setsid /bin/sh -c 'trap \"\" TERM; env -i /bin/sleep 600 </dev/null >/dev/null 2>&1 & echo escaped $!'; exec /bin/sleep 600")
            .WithReadiness(Probe.OutputLine("^escaped "));

    /// <summary>
    /// The same escape, but the grandchild's parent (the setsid shell) stays until the file <paramref name="release"/>
    /// exists: the generation is seen ready with the grandchild still in its tree, and only then does the grandchild
    /// become an orphan (with no mark left: its own session's leader gone, no cookie, no pipes). What the process-group
    /// tier can attribute; an orphan that left before anyone looked, it cannot tell from a stranger's.
    /// </summary>
    public static LiveProcessBuilder LateBuilder(string release) =>
        new LiveProcessBuilder("/bin/sh")
            .WithName("LateEscape")
            .WithArguments("-c", "/usr/bin/setsid /bin/sh -c 'trap \"\" TERM; env -i /bin/sleep 600 </dev/null >/dev/null 2>&1 & echo escaped $!; while [ ! -e \"$0\" ]; do sleep 0.02; done' \"$1\"; exec /bin/sleep 600", "escape", release)
            .WithReadiness(Probe.OutputLine("^escaped "));

    /// <summary>Lets the late escape's grandchild go and waits (at most 10 s) until it has come back to <paramref name="host"/>, its subreaper.</summary>
    public static async Task ReleaseAsync(string release, int escaped, int host, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(release, "", cancellationToken);
        for (var i = 0; i < 1000 && ParentOf(escaped) != host; i++)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Reads the escaped grandchild's pid from the app's output.</summary>
    public static int EscapedPid(LiveGeneration generation) =>
        int.Parse(generation.Output.Tail(int.MaxValue).Select(l => l.Text).Last(t => t.StartsWith("escaped ", StringComparison.Ordinal))["escaped ".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads the parent pid of a process, or 0 when it is gone.</summary>
    public static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
