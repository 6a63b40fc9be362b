using System.Globalization;
using LiveFixtures.Containment;
using LiveFixtures.Launching;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// Finds and stops what dead runs left running: generations whose run's host is gone and whose processes are still
/// alive with the identity that was recorded. The root counts when its pid is alive with the recorded start time,
/// boot id and pid namespace, and still in the recorded containment (its cgroup lists it, or it still leads its
/// group); other members count when the recorded cgroup lists them, or (process-group tier) when they carry the
/// generation's environment cookie. A pid whose identity no longer matches is never signalled; a run whose host still
/// lives is never touched.
/// </summary>
internal sealed class Leftovers(RunStore store, IProcessTable table, TimeProvider time)
{
    /// <summary>How long a leftover is given to stop after SIGTERM before it is killed: 2 seconds.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long the kill of a leftover is waited for, at most: 2 seconds.</summary>
    public static readonly TimeSpan KillLimit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lists the leftovers of every dead run in the store. A dead run's generation found with nothing left alive is
    /// marked "gone" in its record, so that later sweeps skip it.
    /// </summary>
    public List<Leftover> Find(ICollection<string>? warnings = null)
    {
        var found = new List<Leftover>();
        List<(RunRecord Run, GenerationRecord Generation, bool Root)>? byCookie = null;
        var gone = new List<(RunRecord Run, GenerationRecord Generation)>();
        foreach (var run in store.ReadAll(warnings, skipEnded: true))
        {
            if (run.Ended is not null && run.Generations.TrueForAll(g => g.Ended is not null))
            {
                continue; // ended cleanly: nothing of it may still run
            }

            if (run.Host.IsAlive())
            {
                continue; // a live sibling host: its processes are its own business
            }

            foreach (var generation in run.Generations.Where(g => g.MayBeRunning))
            {
                var root = RootMatches(generation);
                if (generation.Cgroup is null && generation.Cookie.Length > 0 && table.CanReadEnvironment && OperatingSystem.IsLinux())
                {
                    (byCookie ??= []).Add((run, generation, root)); // escaped descendants may still carry its cookie
                    continue;
                }

                var members = CgroupMembers(generation);
                if (root || members.Count > 0)
                {
                    found.Add(new Leftover(run, generation) { RootAlive = root, Members = members });
                }
                else
                {
                    gone.Add((run, generation));
                }
            }
        }

        if (byCookie is not null)
        {
            var carriers = CookieCarriers();
            foreach (var (run, generation, root) in byCookie)
            {
                var members = carriers.TryGetValue(generation.Cookie, out var list) ? list.Where(m => m.Pid != generation.Process.Pid || !root).ToList() : [];
                if (root || members.Count > 0)
                {
                    found.Add(new Leftover(run, generation) { RootAlive = root, Members = members });
                }
                else
                {
                    gone.Add((run, generation));
                }
            }
        }

        MarkGone(gone);
        return found;
    }

    /// <summary>
    /// Stops the given leftovers: SIGTERM to each root (its process group when it leads one) and to each member found by
    /// its cookie, a grace, then SIGKILL through the containment (<c>cgroup.kill</c>, or each verified member).
    /// Bounded: the grace plus <see cref="KillLimit"/>.
    /// </summary>
    /// <returns>One line per leftover saying what was done.</returns>
    public async Task<List<string>> ReapAsync(IReadOnlyList<Leftover> leftovers, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        foreach (var leftover in leftovers)
        {
            Terminate(leftover);
        }

        await WaitAsync(leftovers, grace, cancellationToken).ConfigureAwait(false);
        var killed = leftovers.Where(l => l.IsAlive()).ToList();
        foreach (var leftover in killed)
        {
            Kill(leftover);
        }

        await WaitAsync(killed, KillLimit, cancellationToken).ConfigureAwait(false);
        foreach (var leftover in leftovers)
        {
            var how = !leftover.IsAlive() ? killed.Contains(leftover) ? "killed (it ignored SIGTERM)" : "stopped" : "still running after SIGKILL";
            lines.Add($"{leftover}: {how}.");
            if (DecisionTrace.IsOn)
            {
                DecisionTrace.Write("reap", lines[^1]);
            }

            if (!leftover.IsAlive())
            {
                MarkReaped(leftover, killed.Contains(leftover));
                if (leftover.Generation.Cgroup is { } cgroup)
                {
                    TryRemoveCgroup(cgroup);
                }
            }
        }

        return lines;
    }

    /// <summary>Tells whether the root of a generation is alive with its recorded identity and still in its recorded containment.</summary>
    internal bool RootMatches(GenerationRecord generation)
    {
        var process = generation.Process;
        if (!process.IsAlive())
        {
            return false;
        }

        if (generation.Cgroup is { } cgroup)
        {
            return ListsPid(cgroup, process.Pid);
        }

        return generation.ProcessGroup is not { } group || table.TryGet(process.Pid)?.ProcessGroup == group;
    }

    /// <summary>Reads the cookie of every process that carries one: one pass over the process table, only when a dead run may have left some.</summary>
    private Dictionary<string, List<ProcessIdentity>> CookieCarriers()
    {
        var result = new Dictionary<string, List<ProcessIdentity>>(StringComparer.Ordinal);
        var prefix = SpawnedProcess.CookieVariable + "=";
        foreach (var process in table.Snapshot())
        {
            string environ;
            try
            {
                environ = File.ReadAllText($"/proc/{process.Pid}/environ");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var at = environ.StartsWith(prefix, StringComparison.Ordinal) ? 0 : environ.IndexOf("\0" + prefix, StringComparison.Ordinal) is var i and >= 0 ? i + 1 : -1;
            if (at < 0)
            {
                continue;
            }

            var end = environ.IndexOf('\0', at);
            var cookie = environ[(at + prefix.Length)..(end < 0 ? environ.Length : end)];
            if (!result.TryGetValue(cookie, out var list))
            {
                result[cookie] = list = [];
            }

            list.Add(new ProcessIdentity { Pid = process.Pid, StartTicks = process.StartTicks, BootId = ProcessIdentity.CurrentBootId, PidNamespace = ProcessIdentity.CurrentPidNamespace });
        }

        return result;
    }

    private static List<ProcessIdentity> CgroupMembers(GenerationRecord generation)
    {
        if (generation.Cgroup is not { } cgroup || !Directory.Exists(cgroup))
        {
            return [];
        }

        // The kernel's word: whatever the generation's cgroup lists belongs to it, whatever its session or environment.
        return [.. ReadPids(cgroup).Select(ProcessIdentity.Of).OfType<ProcessIdentity>()];
    }

    private void Terminate(Leftover leftover)
    {
        if (leftover.RootAlive && RootMatches(leftover.Generation))
        {
            var pid = leftover.Generation.Process.Pid;
            _ = leftover.Generation.ProcessGroup == pid ? table.SignalGroup(pid, PosixSignalNumber.SIGTERM) : table.Signal(pid, PosixSignalNumber.SIGTERM);
        }

        // Every member found, each checked again right before the signal: the same pid with the same start time.
        foreach (var member in leftover.Members.Where(m => m.IsAlive()))
        {
            table.Signal(member.Pid, PosixSignalNumber.SIGTERM);
        }
    }

    private void Kill(Leftover leftover)
    {
        if (leftover.Generation.Cgroup is { } cgroup && File.Exists(Path.Combine(cgroup, "cgroup.kill")))
        {
            try
            {
                File.WriteAllText(Path.Combine(cgroup, "cgroup.kill"), "1");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The root is still killed below, by its verified identity.
            }
        }

        if (leftover.RootAlive && RootMatches(leftover.Generation))
        {
            var pid = leftover.Generation.Process.Pid;
            _ = leftover.Generation.ProcessGroup == pid ? table.SignalGroup(pid, PosixSignalNumber.SIGKILL) : table.Signal(pid, PosixSignalNumber.SIGKILL);
        }

        if (leftover.Generation.Cgroup is null)
        {
            // Checked again right before the signal: the same pid with the same start time.
            foreach (var member in leftover.Members.Where(m => m.IsAlive()))
            {
                table.Signal(member.Pid, PosixSignalNumber.SIGKILL);
            }
        }
    }

    private async Task WaitAsync(IReadOnlyList<Leftover> leftovers, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + limit;
        while (leftovers.Any(l => l.IsAlive()) && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool ListsPid(string cgroup, int pid) => ReadPids(cgroup).Contains(pid);

    private static List<int> ReadPids(string cgroup)
    {
        try
        {
            return [.. File.ReadLines(Path.Combine(cgroup, "cgroup.procs")).Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0).Where(p => p > 0)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static void TryRemoveCgroup(string cgroup)
    {
        try
        {
            Directory.Delete(cgroup); // rmdir: only an empty cgroup goes; its run's directory is removed by the next cgroup run
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void MarkReaped(Leftover leftover, bool killed) =>
        Mark(leftover.Run.RunId, [leftover.Generation], RecordMark.Reaped, killed ? "SIGKILL" : "SIGTERM");

    private void MarkGone(List<(RunRecord Run, GenerationRecord Generation)> gone)
    {
        foreach (var group in gone.GroupBy(g => g.Run.RunId))
        {
            Mark(group.Key, [.. group.Select(g => g.Generation)], RecordMark.Gone, signal: null);
        }
    }

    /// <summary>Appends a mark per generation to its run's log: never a rewrite, so the watchdog's marks, another sweep's and the run's own lines all stay.</summary>
    private void Mark(string runId, IReadOnlyList<GenerationRecord> generations, string status, string? signal)
    {
        var now = time.GetUtcNow();
        var by = string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} at {now:O}");
        try
        {
            store.Mark(runId, [.. generations.Select(g => new RecordMark { Fixture = g.Fixture, Generation = g.Generation, Cookie = g.Cookie, Status = status, Signal = signal, At = now, By = by })]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The processes are handled; a record that cannot be updated is found again (and found gone) next time.
        }
    }
}

/// <summary>One generation a dead run left running.</summary>
internal sealed record Leftover(RunRecord Run, GenerationRecord Generation)
{
    /// <summary>Gets whether the root itself was found alive (with its identity and containment).</summary>
    public bool RootAlive { get; init; }

    /// <summary>Gets the other members found: listed by its cgroup, or carrying its cookie.</summary>
    public IReadOnlyList<ProcessIdentity> Members { get; init; } = [];

    /// <summary>Tells whether any process of the leftover is still alive with its recorded identity.</summary>
    public bool IsAlive() => (RootAlive && Generation.Process.IsAlive()) || Members.Any(m => m.IsAlive());

    /// <summary>Tells whether <paramref name="pid"/> is one of the leftover's processes (its root or a member found).</summary>
    public bool Holds(int pid) => (RootAlive && Generation.Process.Pid == pid) || Members.Any(m => m.Pid == pid);

    /// <summary>Gets every pid of the leftover, the root first.</summary>
    public IEnumerable<int> Pids => (RootAlive ? [Generation.Process.Pid] : Array.Empty<int>()).Concat(Members.Select(m => m.Pid)).Distinct();

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Generation.Fixture} generation {Generation.Generation} (pid {(RootAlive ? Generation.Process.Pid.ToString(CultureInfo.InvariantCulture) : "gone")}{(Members.Count(m => m.Pid != Generation.Process.Pid) is > 0 and var n ? $", {n} more process{(n == 1 ? "" : "es")}" : "")}) of run {Run.RunId} (host pid {Run.Host.Pid}, started {Run.Started:yyyy-MM-dd HH:mm:ss}Z)");
}
