using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using LiveFixtures.Platform;

namespace LiveFixtures.Containment;

/// <summary>
/// The fallback: the session and process group the root leads, with the test host as child subreaper. Members are
/// the root's tree (by parentage) and the orphans that came back to the host that carry evidence no stranger can: the
/// root's group or session, having been seen in the generation's tree (pid and start time), a session shared with such
/// a member still alive, the generation's pipes, its cookie, or a listening socket on a TCP port leased to it (a daemon
/// that left every other mark: setsid, its standard streams elsewhere, its environment overwritten). An orphan in another cgroup than the host's is never
/// taken on weaker evidence than having been seen (this tier's generations stay in the host's cgroup). The host is the
/// subreaper of everything it starts, so orphans of programs a test started itself come back to it too: timing alone
/// never attributes one. Only those candidates are read, never the whole process table.
/// </summary>
internal sealed class GroupBox(IProcessTable table, bool ownGroup) : GenerationBox
{
    /// <summary>The generations of this host in this tier that have started and not yet been ended, with their roots' start times.</summary>
    private static readonly ConcurrentDictionary<GroupBox, ulong> Live = new();

    private static readonly int HostPid = Environment.ProcessId;
    private static readonly int HostSession = ProcFs.Stat(Environment.ProcessId)?.Session ?? 0;
    private static readonly string? HostCgroup = ProcFs.Cgroup(Environment.ProcessId);

    /// <summary>Every process seen in any generation's tree in this tier (pid, start time), for the host-exit path: also the ended generations'.</summary>
    private static readonly ConcurrentDictionary<int, ulong> SeenByAny = new();

    /// <summary>The processes seen in this generation's tree, by pid: their start times, which make the pid name one process.</summary>
    private readonly ConcurrentDictionary<int, ulong> _seen = new();

    /// <summary>The orphans whose attribution the decision trace has named (each once); guarded by <see cref="_sync"/>.</summary>
    private readonly HashSet<(int Pid, ulong Start)> _traced = [];

    /// <summary>The TCP ports leased to the generations of this tier that have ended: a daemon that bound one late is still theirs at the host's exit.</summary>
    private static readonly ConcurrentDictionary<int, byte> EndedPorts = new();

    /// <summary>How long a stop waits, once the tree is gone, for an unclaimed orphan of the host to bind a port leased to the generation.</summary>
    internal static readonly TimeSpan PortGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>When the stop first found the tree gone while an unclaimed orphan might still bind a leased port; 0 until then.</summary>
    private long _emptySince;

    /// <summary>Never set: waiting on it is a synchronous real-time pause for the host-exit path, which cannot await.</summary>
    private static readonly ManualResetEventSlim Never = new(false);

    private ulong _rootStart;
    private readonly Lock _sync = new();
    private List<ProcStat> _targets = [];

    public override ContainmentTier Tier => ContainmentTier.ProcessGroup;

    public override void Attach(Launching.NativeChild root, string cookie)
    {
        base.Attach(root, cookie);
        _rootStart = ProcFs.Stat(root.Pid)?.StartTicks ?? 0;
        _ = root.PipeNames; // read now, while the pipes are open
        Live[this] = _rootStart;
    }

    public override int CountOthers()
    {
        lock (_sync)
        {
            return Find().Living.Count;
        }
    }

    /// <summary>Walks the generation's tree now and remembers every member, so that one that leaves it later is still known.</summary>
    public override void Observe()
    {
        lock (_sync)
        {
            _ = Find();
        }
    }

    public override void Dispose()
    {
        Live.TryRemove(this, out _);
        foreach (var port in Ports)
        {
            EndedPorts[port] = 0;
        }

        foreach (var (pid, start) in _seen)
        {
            if (ProcFs.Stat(pid) is not { } now || now.StartTicks != start || now.IsZombie)
            {
                SeenByAny.TryRemove(new KeyValuePair<int, ulong>(pid, start)); // what outlived the stop stays known to the host's exit
            }
        }
    }

    protected override IReadOnlyCollection<int> KillRound()
    {
        lock (_sync)
        {
            return KillRoundLocked();
        }
    }

    protected override bool Settled()
    {
        lock (_sync)
        {
            return SettledLocked();
        }
    }

    private List<int> KillRoundLocked()
    {
        var root = Root!;
        var (living, _) = Find();
        root.Signal(PosixSignalNumber.SIGKILL);
        if (ownGroup)
        {
            // While the root is unreaped its group is its own; afterwards only while a member (found above) still
            // holds the group's id, which the kernel then cannot hand to anyone else.
            if (!root.SignalGroup(PosixSignalNumber.SIGKILL) && living.Any(p => p.ProcessGroup == root.Pid) && !PidReused())
            {
                LinuxNative.Kill(-root.Pid, (int)PosixSignalNumber.SIGKILL);
            }
        }

        _targets = living;
        return [.. living.Where(KillVerified).Select(p => p.Pid)];
    }

    private bool SettledLocked()
    {
        // Watch the members the last round killed; only when they are gone, look once more for any forked meanwhile.
        _targets.RemoveAll(t => ProcFs.Stat(t.Pid) is not { } now || now.StartTicks != t.StartTicks || now.IsZombie);
        if (_targets.Count > 0 || !Root!.Exited.IsCompleted)
        {
            return false;
        }

        var (living, zombies) = Find();
        foreach (var zombie in zombies.Where(z => z.ParentPid == HostPid))
        {
            Reap(zombie.Pid);
        }

        if (living.Count == 0)
        {
            // A daemon binds its port a few ms after it left the tree: while an orphan no rule claims is there, it
            // gets a short bounded chance to show that it is ours by listening on a leased port.
            if (Ports.Count == 0 || !UnclaimedOrphans().Any())
            {
                return true;
            }

            if (_emptySince == 0)
            {
                _emptySince = TimeProvider.System.GetTimestamp();
            }

            return TimeProvider.System.GetElapsedTime(_emptySince) >= PortGrace;
        }

        _targets = [.. living.Where(KillVerified)];
        return false;
    }

    /// <summary>Kills one member through a pidfd opened and then checked against the start time seen: never a stranger that took its pid.</summary>
    private static bool KillVerified(ProcStat member) => SignalVerified(member, PosixSignalNumber.SIGKILL);

    /// <summary>Signals one process through a pidfd opened and then checked against the start time seen: never a stranger that took its pid.</summary>
    internal static bool SignalVerified(ProcStat member, PosixSignalNumber signal)
    {
        var pidfd = LinuxNative.PidfdOpen(member.Pid);
        try
        {
            if (ProcFs.Stat(member.Pid) is not { } now || now.StartTicks != member.StartTicks)
            {
                return false;
            }

            return pidfd >= 0
                ? LinuxNative.PidfdSendSignal(pidfd, (int)signal) == 0
                : LinuxNative.Kill(member.Pid, (int)signal) == 0;
        }
        finally
        {
            if (pidfd >= 0)
            {
                LinuxNative.Close(pidfd);
            }
        }
    }

    /// <summary>Reaps an adopted orphan by its pid (never waitpid(-1), which would take the runtime's own children).</summary>
    private static unsafe void Reap(int pid)
    {
        var info = stackalloc byte[LinuxNative.SiginfoSize];
        LinuxNative.WaitId(LinuxNative.PPid, pid, info, LinuxNative.Wexited | LinuxNative.Wnohang);
    }

    /// <summary>Tells whether the root's pid now names another process: then its old group and session are gone too.</summary>
    private bool PidReused() => Root!.Exited.IsCompleted && ProcFs.Stat(Root.Pid) is not null;

    /// <summary>Finds the members: the root's tree while it is unreaped, and the host's adopted orphans that are ours, with their trees.</summary>
    private (List<ProcStat> Living, List<ProcStat> Zombies) Find()
    {
        var root = Root!;
        var found = new Dictionary<int, ProcStat>();
        root.WhileUnreaped(reaped =>
        {
            if (!reaped)
            {
                foreach (var member in ProcFs.Subtree(root.Pid))
                {
                    found[member.Pid] = member;
                }
            }

            return 0;
        });

        var roots = Live.Keys.Select(b => b.Root?.Pid ?? 0).ToHashSet();
        var reused = PidReused();
        foreach (var pid in ProcFs.AdoptedChildren(HostPid))
        {
            if (roots.Contains(pid) || found.ContainsKey(pid) || ProcFs.Stat(pid) is not { ParentPid: var parent } orphan || parent != HostPid)
            {
                continue;
            }

            if (ownGroup && orphan.Session == HostSession)
            {
                continue; // the host's own children: the generation's processes are all in other sessions
            }

            if (WhyOurs(orphan, reused) is { } why)
            {
                if (Records.DecisionTrace.IsOn && _traced.Add((orphan.Pid, orphan.StartTicks)))
                {
                    Records.DecisionTrace.Write("containment", $"orphan {orphan.Pid} of the host is generation root {root.Pid}'s: {why}");
                }

                found[orphan.Pid] = orphan;
                foreach (var member in ProcFs.Subtree(orphan.Pid))
                {
                    found[member.Pid] = member;
                }
            }
        }

        PruneAndRemember(found.Values);
        return ([.. found.Values.Where(p => !p.IsZombie)], [.. found.Values.Where(p => p.IsZombie)]);
    }

    /// <summary>Remembers the living members just found (and forgets those that are gone): the evidence for an orphan that leaves the tree later.</summary>
    private void PruneAndRemember(IEnumerable<ProcStat> members)
    {
        foreach (var (pid, start) in _seen)
        {
            if (ProcFs.Stat(pid) is not { } now || now.StartTicks != start || now.IsZombie)
            {
                _seen.TryRemove(pid, out _);
                SeenByAny.TryRemove(new KeyValuePair<int, ulong>(pid, start));
            }
        }

        foreach (var member in members.Where(m => !m.IsZombie))
        {
            _seen[member.Pid] = member.StartTicks;
            SeenByAny[member.Pid] = member.StartTicks;
        }
    }

    /// <summary>Says why an orphan of the host is this generation's, or null when nothing proves it (then it is never signalled).</summary>
    private string? WhyOurs(ProcStat orphan, bool rootPidReused)
    {
        var rootPid = Root!.Pid;

        // In the root's group or session: the kernel keeps that id from being reused while such a member lives.
        if (ownGroup && !rootPidReused && orphan.Pid != rootPid && (orphan.ProcessGroup == rootPid || orphan.Session == rootPid))
        {
            return "in the root's process group or session";
        }

        if (orphan.IsZombie)
        {
            return null;
        }

        // Seen in the generation's tree before it left it: the pid and start time name that one process.
        if (_seen.TryGetValue(orphan.Pid, out var seen) && seen == orphan.StartTicks)
        {
            return "seen in the generation's tree";
        }

        // The generations of this tier live in the host's cgroup, and none of their processes can leave it without
        // being moved: one elsewhere (another host's generation, a service) is not attributed on weaker evidence.
        if (HostCgroup is not null && ProcFs.Cgroup(orphan.Pid) is { } cgroup && cgroup != HostCgroup)
        {
            return null;
        }

        // In the session of a member seen in the tree that still lives in it: a session's members all descend from
        // its leader, which descends from the root (the session is not the host's), and a session cannot be joined.
        if (orphan.Session != HostSession && InSessionOfLivingMember(orphan.Session))
        {
            return $"in session {orphan.Session}, with a member seen in the generation's tree";
        }

        // Holding the generation's stdin, stdout or stderr: inherited from it, whatever its session or environment.
        if (HoldsPipe(orphan.Pid, Root.PipeNames))
        {
            return "holding the generation's pipe";
        }

        // A candidate that may have kept its environment.
        if (table.CanReadEnvironment && table.HasEnvironmentVariable(orphan.Pid, Launching.SpawnedProcess.CookieVariable, Cookie))
        {
            return "carrying the generation's cookie";
        }

        // Listening on a port leased to the generation (allocated outside the ephemeral range and claimed machine-wide
        // for it): a daemon that called setsid, pointed its streams elsewhere and overwrote its environment.
        return ListensOn(orphan.Pid, Ports) ? "listening on a TCP port leased to the generation" : null;
    }

    /// <summary>Tells whether the process holds a socket listening on one of <paramref name="ports"/> (read only when asked: off the hot paths).</summary>
    private static bool ListensOn(int pid, IReadOnlyCollection<int> ports) =>
        ports.Count > 0 && OperatingSystem.IsLinux() && LinuxProcessTable.ListeningSockets(ports) is { Count: > 0 } sockets && LinuxProcessTable.HoldsSocket(pid, sockets);

    /// <summary>The host's adopted orphans (not generation roots, not seen in any generation's tree) that might still turn out to be this generation's.</summary>
    private IEnumerable<ProcStat> UnclaimedOrphans()
    {
        var roots = Live.Keys.Select(b => b.Root?.Pid ?? 0).ToHashSet();
        foreach (var pid in ProcFs.AdoptedChildren(HostPid))
        {
            if (!roots.Contains(pid) && ProcFs.Stat(pid) is { ParentPid: var parent } orphan && parent == HostPid && !orphan.IsZombie
                && !(SeenByAny.TryGetValue(pid, out var seen) && seen == orphan.StartTicks)
                && (!ownGroup || orphan.Session != HostSession)
                && (HostCgroup is null || ProcFs.Cgroup(orphan.Pid) is not { } cgroup || cgroup == HostCgroup))
            {
                yield return orphan;
            }
        }
    }

    private bool InSessionOfLivingMember(int session)
    {
        foreach (var (pid, start) in _seen)
        {
            if (ProcFs.Stat(pid) is { } now && now.StartTicks == start && !now.IsZombie && now.Session == session)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HoldsPipe(int pid, IReadOnlySet<string> pipes)
    {
        if (pipes.Count == 0)
        {
            return false;
        }

        for (var fd = 0; fd <= 2; fd++)
        {
            try
            {
                if (new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget is { } target && pipes.Contains(target))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return false;
    }

    /// <summary>
    /// Kills, when the host goes down, the orphans that came back to it that are provably of one of its generations:
    /// seen in a generation's tree (ended generations included), or attributed by a generation still open. Orphans of
    /// programs a test started itself come back to the subreaper host too, and are left alone. Then reaps them.
    /// </summary>
    public static void KillAdoptedOrphans(TimeSpan limit)
    {
        var started = TimeProvider.System.GetTimestamp();
        var boxes = Live.Keys.ToList();
        var roots = boxes.Select(b => b.Root?.Pid ?? 0).ToHashSet();
        var targets = new List<ProcStat>();
        HashSet<string>? endedSockets = null;
        foreach (var pid in ProcFs.AdoptedChildren(HostPid))
        {
            if (!roots.Contains(pid) && ProcFs.Stat(pid) is { ParentPid: var parent } orphan && parent == HostPid && !orphan.IsZombie
                && ((SeenByAny.TryGetValue(pid, out var seen) && seen == orphan.StartTicks) || boxes.Any(b => b.WhyOurs(orphan, b.PidReused()) is not null)
                    || ListensOnEndedPort(orphan, ref endedSockets)))
            {
                targets.Add(orphan);
                targets.AddRange(ProcFs.Subtree(orphan.Pid).Where(p => !p.IsZombie));
            }
        }

        foreach (var target in targets)
        {
            KillVerified(target);
        }

        while (targets.Count > 0 && TimeProvider.System.GetElapsedTime(started) < limit)
        {
            targets.RemoveAll(t => ProcFs.Stat(t.Pid) is not { } now || now.StartTicks != t.StartTicks || (now.IsZombie && (now.ParentPid != HostPid || Reaped(t.Pid))));
            if (targets.Count > 0)
            {
                Never.Wait(1);
            }
        }
    }

    /// <summary>
    /// Tells whether an orphan of the host (in its cgroup) listens on a port leased to a generation that has ended: a
    /// daemon that bound it after the stop had looked. The sockets are read once, on the first orphan that needs them.
    /// </summary>
    private static bool ListensOnEndedPort(ProcStat orphan, ref HashSet<string>? sockets)
    {
        if (EndedPorts.IsEmpty || !OperatingSystem.IsLinux()
            || (HostCgroup is not null && ProcFs.Cgroup(orphan.Pid) is { } cgroup && cgroup != HostCgroup))
        {
            return false;
        }

        sockets ??= LinuxProcessTable.ListeningSockets([.. EndedPorts.Keys]);
        return LinuxProcessTable.HoldsSocket(orphan.Pid, sockets);
    }

    private static bool Reaped(int pid)
    {
        Reap(pid);
        return true;
    }

    /// <summary>Makes the test host the child subreaper of everything it starts, so that orphans come back to it.</summary>
    public static bool BecomeSubreaper() => LinuxNative.Prctl(LinuxNative.PrSetChildSubreaper, 1, 0, 0, 0) == 0;
}
