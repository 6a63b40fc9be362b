using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Containment;
using LiveFixtures.Platform;

namespace LiveFixtures.Watchdog;

/// <summary>
/// What a watchdog knows of its run: the generations its host announced (each root held by a pidfd opened while its
/// start time still matched), and, in the process-group tier, the descendants it saw leave a generation's tree while the
/// host lived. When the host is gone it stops them: SIGTERM, a short grace, then the kill through the containment
/// (<c>cgroup.kill</c>, the group, each process through a pidfd checked against its start time).
/// </summary>
/// <remarks>Nothing is ever signalled while the host lives, and nothing whose identity does not match what was seen.</remarks>
internal sealed unsafe class RunWatch
{
    /// <summary>The most the stop takes after the host is gone, the grace included: 1 s.</summary>
    public static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(1);

    /// <summary>Never set: a synchronous real-time pause (the watchdog has nothing else to do meanwhile).</summary>
    private static readonly ManualResetEventSlim Never = new(false);

    private readonly int _hostPid;
    private readonly ulong _hostTicks;
    private readonly int _hostSession;
    private readonly string _runId;
    private readonly string? _store;
    private readonly TimeSpan _grace;
    private readonly Action<string> _log;
    private readonly Dictionary<string, Entry> _generations = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ulong> _descendants = [];

    /// <summary>The TCP ports leased to the process-group generations announced, kept after they end: a daemon that left every other mark listens on one.</summary>
    private readonly HashSet<int> _ports = [];
    private readonly string? _hostCgroup;
    private int _hostPidfd;
    private bool _hostGone;

    /// <summary>Initializes the watch of the host <paramref name="hostPid"/> that started at <paramref name="hostTicks"/>.</summary>
    public RunWatch(int hostPid, ulong hostTicks, string runId, string? store, TimeSpan grace, Action<string> log)
    {
        _hostPid = hostPid;
        _hostTicks = hostTicks;
        _runId = runId;
        _store = store;
        _grace = grace;
        _log = log;
        _hostPidfd = LinuxNative.PidfdOpen(hostPid);
        if (ProcFs.Stat(hostPid) is { } host && host.StartTicks == hostTicks && !host.IsZombie)
        {
            _hostSession = host.Session;
            _hostCgroup = ProcFs.Cgroup(hostPid);
        }
        else
        {
            // Died before the watchdog was up: what it wrote is still in the pipe, and is acted on at its end.
            HostExited();
        }
    }

    /// <summary>Gets whether descendants need looking at while the host lives (a process-group generation runs).</summary>
    public bool NeedsLooking => !_hostGone && (_ports.Count > 0 || _generations.Values.Any(e => e.Generation.Tier != ContainmentTier.Cgroup && e.Pidfd >= 0));

    /// <summary>Tells whether the host still runs (not exited, not a zombie).</summary>
    public bool HostAlive()
    {
        if (_hostGone)
        {
            return false;
        }

        var gone = _hostPidfd >= 0
            ? Exited(_hostPidfd)
            : ProcFs.Stat(_hostPid) is not { } now || now.StartTicks != _hostTicks || now.IsZombie;
        if (gone)
        {
            HostExited();
        }

        return !gone;
    }

    /// <summary>Adds a generation its host announced; its root is held only if its start time is the one announced.</summary>
    public void Add(WatchedGeneration generation)
    {
        var pidfd = LinuxNative.PidfdOpen(generation.Pid);
        if (pidfd < 0 || ProcFs.Stat(generation.Pid) is not { } now || now.StartTicks != generation.StartTicks || now.IsZombie)
        {
            // Already gone, or the pid names another process now: never signalled.
            _log($"{generation}: its root is not the process announced (gone or another process), so it is never signalled");
            if (pidfd >= 0)
            {
                LinuxNative.Close(pidfd);
            }

            pidfd = -1;
        }

        Remove(generation.Cookie);
        _generations[generation.Cookie] = new Entry(generation, pidfd);
        if (generation.Tier != ContainmentTier.Cgroup)
        {
            _ports.UnionWith(generation.Ports);
        }
    }

    /// <summary>Forgets a generation its host has ended.</summary>
    public void Remove(string cookie)
    {
        if (_generations.Remove(cookie, out var entry) && entry.Pidfd >= 0)
        {
            LinuxNative.Close(entry.Pidfd);
        }
    }

    /// <summary>
    /// Looks, while the host lives, for the descendants of process-group generations: the roots' trees, and the
    /// orphans that came back to the host (its subreaper) that are the run's. Each is kept by pid and start time.
    /// </summary>
    public void Look()
    {
        if (!HostAlive())
        {
            return;
        }

        var roots = _generations.Values.Where(e => e.Pidfd >= 0).ToList();
        foreach (var root in roots.Where(r => r.Generation.Tier != ContainmentTier.Cgroup && !Exited(r.Pidfd)))
        {
            foreach (var member in ProcFs.Subtree(root.Generation.Pid))
            {
                Keep(member);
            }
        }

        var rootPids = roots.Select(r => r.Generation.Pid).ToHashSet();

        // A group or session id of a root counts only while it cannot name a stranger: the root lives, or no process
        // has its pid (then a member holds the id, and the kernel gives it to nobody else).
        var rootIds = roots.Where(r => !Exited(r.Pidfd) || ProcFs.Stat(r.Generation.Pid) is null).Select(r => r.Generation.Pid).ToHashSet();
        HashSet<string>? sockets = null;
        foreach (var pid in ProcFs.AdoptedChildren(_hostPid))
        {
            if (rootPids.Contains(pid) || ProcFs.Stat(pid) is not { } child || child.ParentPid != _hostPid || child.IsZombie || child.Session == _hostSession)
            {
                continue; // a root, gone, or the host's own child (in its session)
            }

            // Never by its session alone: the host is the subreaper of everything it starts, so the orphans of a program
            // a test started itself come back to it too. Evidence only: the root's group or session, having been seen
            // in a tree, a session shared with a member seen and still alive, or the cookie (not in another cgroup).
            var ours = rootIds.Contains(child.Session) || rootIds.Contains(child.ProcessGroup)
                || (_descendants.TryGetValue(child.Pid, out var seen) && seen == child.StartTicks)
                || ((_hostCgroup is null || ProcFs.Cgroup(child.Pid) is not { } cgroup || cgroup == _hostCgroup)
                    && (_descendants.Any(d => ProcFs.Stat(d.Key) is { } member && member.StartTicks == d.Value && !member.IsZombie && member.Session == child.Session)
                        || roots.Any(r => ProcessTables.Current.CanReadEnvironment && ProcessTables.Current.HasEnvironmentVariable(child.Pid, Launching.SpawnedProcess.CookieVariable, r.Generation.Cookie))
                        || ListensOnLeasedPort(child.Pid, ref sockets)));
            if (ours)
            {
                Keep(child);
                foreach (var member in ProcFs.Subtree(child.Pid))
                {
                    Keep(member);
                }
            }
        }

        foreach (var (pid, ticks) in _descendants.ToList())
        {
            if (!Alive(pid, ticks))
            {
                _descendants.Remove(pid);
            }
        }
    }

    /// <summary>
    /// Tells whether an orphan of the host listens on a TCP port leased to one of the run's process-group generations,
    /// ended ones included (a daemon that bound it after its generation's stop). The sockets are read once per look,
    /// on the first orphan no other rule claims.
    /// </summary>
    private bool ListensOnLeasedPort(int pid, ref HashSet<string>? sockets)
    {
        if (_ports.Count == 0 || !OperatingSystem.IsLinux())
        {
            return false;
        }

        sockets ??= LinuxProcessTable.ListeningSockets(_ports);
        return LinuxProcessTable.HoldsSocket(pid, sockets);
    }

    /// <summary>Waits until the host has exited (its pidfd becomes readable): the watchdog never acts while it lives.</summary>
    public void WaitForHostExit()
    {
        while (HostAlive())
        {
            if (_hostPidfd >= 0)
            {
                var poll = new LinuxNative.PollFd { Fd = _hostPidfd, Events = LinuxNative.PollIn };
                _ = LinuxNative.Poll(&poll, 1, -1);
            }
            else
            {
                Never.Wait(10);
            }
        }
    }

    /// <summary>Stops what is left of the run (the host must be gone): SIGTERM, the grace, then the kill; marks the run's records.</summary>
    /// <returns>Whether anything was running, and what was done, in one line.</returns>
    public (bool Stopped, string Report) Stop()
    {
        if (HostAlive())
        {
            throw new InvalidOperationException("The watchdog acts only when its host is gone.");
        }

        var started = Stopwatch.GetTimestamp();
        Collect();
        var running = _generations.Values.Where(Running).ToList();
        var others = _descendants.Count(d => Alive(d.Key, d.Value));
        if (running.Count == 0 && others == 0)
        {
            return (false, "nothing of the run was running");
        }

        Signal(PosixSignalNumber.SIGTERM);
        while (!AllGone() && Stopwatch.GetElapsedTime(started) < _grace)
        {
            Never.Wait(2);
            Collect();
        }

        var killed = new List<Entry>();
        if (!AllGone())
        {
            killed = [.. _generations.Values.Where(Running)];
            for (var round = 0; !AllGone() && Stopwatch.GetElapsedTime(started) < StopLimit; round++)
            {
                if (round % 10 == 0)
                {
                    Collect();
                    Signal(PosixSignalNumber.SIGKILL);
                }

                Never.Wait(1);
            }
        }

        var left = AllGone() ? "" : " Some processes were still there at the limit.";
        Mark(running, killed);
        return (true, string.Create(CultureInfo.InvariantCulture,
            $"stopped {running.Count} generation(s) ({string.Join("; ", running.Select(r => r.Generation))}) and {others} other process(es) of the run in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms; {killed.Count} needed SIGKILL.{left}"));
    }

    private static bool Exited(int pidfd)
    {
        var poll = new LinuxNative.PollFd { Fd = pidfd, Events = LinuxNative.PollIn };
        return LinuxNative.Poll(&poll, 1, 0) != 0;
    }

    private static bool Alive(int pid, ulong ticks) => ProcFs.Stat(pid) is { } now && now.StartTicks == ticks && !now.IsZombie;

    private void HostExited()
    {
        _hostGone = true;
        if (_hostPidfd >= 0)
        {
            LinuxNative.Close(_hostPidfd);
            _hostPidfd = -1;
        }
    }

    private void Keep(ProcStat process)
    {
        if (!process.IsZombie)
        {
            _descendants[process.Pid] = process.StartTicks;
        }
    }

    /// <summary>Adds what the roots and the kept descendants have started since (their trees, read now).</summary>
    private void Collect()
    {
        var parents = _generations.Values.Where(e => e.Pidfd >= 0 && e.Generation.Tier != ContainmentTier.Cgroup && !Exited(e.Pidfd)).Select(e => e.Generation.Pid)
            .Concat(_descendants.Where(d => Alive(d.Key, d.Value)).Select(d => d.Key)).ToList();
        foreach (var parent in parents)
        {
            foreach (var member in ProcFs.Subtree(parent))
            {
                Keep(member);
            }
        }
    }

    private bool Running(Entry entry) =>
        OurCgroup(entry) is { } box ? box.Members().Count > 0 : entry.Pidfd >= 0 && !Exited(entry.Pidfd);

    private bool AllGone() =>
        !_generations.Values.Any(Running) && !_descendants.Any(d => Alive(d.Key, d.Value));

    private void Signal(PosixSignalNumber signal)
    {
        foreach (var entry in _generations.Values)
        {
            if (OurCgroup(entry) is { } box)
            {
                SignalCgroup(box, signal);
                continue;
            }

            var generation = entry.Generation;
            if (entry.Pidfd >= 0 && !Exited(entry.Pidfd))
            {
                _ = LinuxNative.PidfdSendSignal(entry.Pidfd, (int)signal);
                if (generation.ProcessGroup == generation.Pid && !Exited(entry.Pidfd))
                {
                    // The root is alive, so its group's id is still its own.
                    _ = LinuxNative.Kill(-generation.ProcessGroup, (int)signal);
                }
            }
            else if (generation.ProcessGroup > 0 && _descendants.Any(d => ProcFs.Stat(d.Key) is { } now && now.StartTicks == d.Value && !now.IsZombie && now.ProcessGroup == generation.ProcessGroup))
            {
                // A verified member still holds the group's id, which the kernel then cannot give to anyone else.
                _ = LinuxNative.Kill(-generation.ProcessGroup, (int)signal);
            }
        }

        foreach (var (pid, ticks) in _descendants)
        {
            GroupBox.SignalVerified(new ProcStat(pid, 'R', 0, 0, 0, ticks), signal);
        }
    }

    /// <summary>SIGKILL is one write to cgroup.kill; another signal goes to each member through a pidfd, if it is still a member.</summary>
    private static void SignalCgroup(CgroupBox box, PosixSignalNumber signal)
    {
        if (signal == PosixSignalNumber.SIGKILL)
        {
            try
            {
                File.WriteAllText(Path.Combine(box.Directory, "cgroup.kill"), "1");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            return;
        }

        foreach (var pid in box.Members())
        {
            var pidfd = LinuxNative.PidfdOpen(pid);
            if (pidfd < 0)
            {
                continue;
            }

            // Held by the pidfd now: still listed means it is the member, not a stranger that took a freed pid.
            if (box.Members().Contains(pid))
            {
                _ = LinuxNative.PidfdSendSignal(pidfd, (int)signal);
            }

            LinuxNative.Close(pidfd);
        }
    }

    /// <summary>Gets the generation's cgroup when it is still there and is one this host's run made (livefixtures-HOSTPID-*), else null.</summary>
    private CgroupBox? OurCgroup(Entry entry)
    {
        if (entry.Generation.Cgroup is not { } directory || !File.Exists(Path.Combine(directory, "cgroup.kill")))
        {
            return null;
        }

        var run = Path.GetFileName(Path.GetDirectoryName(directory.TrimEnd('/')));
        return run?.StartsWith(string.Create(CultureInfo.InvariantCulture, $"livefixtures-{_hostPid}-"), StringComparison.Ordinal) == true ? new CgroupBox(directory) : null;
    }

    private void Mark(List<Entry> stopped, List<Entry> killed)
    {
        if (_store is null || _runId.Length == 0)
        {
            return;
        }

        try
        {
            // Appended to the run's log (never a rewrite): a sweep of another run marking the same record loses nothing.
            // A run whose host had not written its record yet has nothing to mark.
            var store = new RunStore(_store);
            var now = TimeProvider.System.GetUtcNow();
            var by = string.Create(CultureInfo.InvariantCulture, $"the run's watchdog (pid {Environment.ProcessId}) at {now:O}, when the host had died");
            store.Mark(_runId, [.. stopped.Select(s => new RecordMark
            {
                Fixture = s.Generation.Fixture,
                Generation = s.Generation.Generation,
                Cookie = s.Generation.Cookie,
                Status = RecordMark.Reaped,
                Signal = killed.Any(k => k.Generation.Cookie == s.Generation.Cookie) ? "SIGKILL" : "SIGTERM",
                At = now,
                By = by,
            })]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            _log($"could not mark the run's record: {e.Message}");
        }
    }

    private sealed record Entry(WatchedGeneration Generation, int Pidfd);
}
