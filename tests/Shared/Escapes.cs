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

    /// <summary>Reads the escaped grandchild's pid from the app's output.</summary>
    public static int EscapedPid(LiveGeneration generation) =>
        int.Parse(generation.Output.Tail(int.MaxValue).Select(l => l.Text).Last(t => t.StartsWith("escaped ", StringComparison.Ordinal))["escaped ".Length..], System.Globalization.CultureInfo.InvariantCulture);
}
