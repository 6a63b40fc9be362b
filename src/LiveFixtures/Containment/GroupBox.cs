using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using LiveFixtures.Platform;

namespace LiveFixtures.Containment;

/// <summary>
/// The fallback: the session and process group the root leads, with the test host as child subreaper. Members are
/// the root's tree (by parentage) and the orphans that came back to the host, attributed by group or session, by
/// proof of re-parenting, or by the cookie; only those candidates are read, never the whole process table.
/// </summary>
internal sealed class GroupBox(IProcessTable table, bool ownGroup) : GenerationBox
{
    /// <summary>The generations of this host in this tier that have started and not yet been ended, with their roots' start times.</summary>
    private static readonly ConcurrentDictionary<GroupBox, ulong> Live = new();

    private static readonly int HostPid = Environment.ProcessId;
    private static readonly int HostSession = ProcFs.Stat(Environment.ProcessId)?.Session ?? 0;

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

    public override int CountOthers() => Find().Living.Count;

    public override void Dispose() => Live.TryRemove(this, out _);

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
            return true;
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

            if (IsOurs(orphan, reused))
            {
                found[orphan.Pid] = orphan;
                foreach (var member in ProcFs.Subtree(orphan.Pid))
                {
                    found[member.Pid] = member;
                }
            }
        }

        return ([.. found.Values.Where(p => !p.IsZombie)], [.. found.Values.Where(p => p.IsZombie)]);
    }

    private bool IsOurs(ProcStat orphan, bool rootPidReused)
    {
        var rootPid = Root!.Pid;

        // In the root's group or session: the kernel keeps that id from being reused while such a member lives.
        if (ownGroup && !rootPidReused && orphan.Pid != rootPid && (orphan.ProcessGroup == rootPid || orphan.Session == rootPid))
        {
            return true;
        }

        if (orphan.IsZombie)
        {
            return false;
        }

        // Proof of re-parenting: a child the host started itself is in the host's session or leads its own.
        if (orphan.Session != HostSession && orphan.Session != orphan.Pid)
        {
            var candidates = Live.Where(g => g.Value <= orphan.StartTicks).Select(g => g.Key).Take(2).ToList();
            if (candidates.Count == 1 && ReferenceEquals(candidates[0], this))
            {
                return true;
            }
        }

        // Holding the generation's stdin, stdout or stderr: inherited from it, whatever its session or environment.
        if (HoldsPipe(orphan.Pid, Root.PipeNames))
        {
            return true;
        }

        // A candidate that may have kept its environment.
        return table.CanReadEnvironment && table.HasEnvironmentVariable(orphan.Pid, Launching.SpawnedProcess.CookieVariable, Cookie);
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
    /// Kills, when the host goes down, the orphans that came back to it from any of its generations, including those
    /// that could not be told apart between two generations still running; then reaps them.
    /// </summary>
    public static void KillAdoptedOrphans(TimeSpan limit)
    {
        var started = TimeProvider.System.GetTimestamp();
        var boxes = Live.Keys.ToList();
        var roots = boxes.Select(b => b.Root?.Pid ?? 0).ToHashSet();
        var targets = new List<ProcStat>();
        foreach (var pid in ProcFs.AdoptedChildren(HostPid))
        {
            if (!roots.Contains(pid) && ProcFs.Stat(pid) is { ParentPid: var parent } orphan && parent == HostPid && !orphan.IsZombie
                && ((orphan.Session != HostSession && orphan.Session != orphan.Pid) || boxes.Any(b => b.IsOurs(orphan, b.PidReused()))))
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

    private static bool Reaped(int pid)
    {
        Reap(pid);
        return true;
    }

    /// <summary>Makes the test host the child subreaper of everything it starts, so that orphans come back to it.</summary>
    public static bool BecomeSubreaper() => LinuxNative.Prctl(LinuxNative.PrSetChildSubreaper, 1, 0, 0, 0) == 0;
}
