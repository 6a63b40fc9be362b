using System.Globalization;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// Finds and stops what dead runs left running: generations whose run's host is gone and whose root process is still
/// alive with the identity that was recorded (pid, start time, boot id, pid namespace). A pid whose identity no longer
/// matches is never signalled; a run whose host still lives is never touched.
/// </summary>
internal sealed class Leftovers(RunStore store, IProcessTable table, TimeProvider time)
{
    /// <summary>How long a leftover is given to stop after SIGTERM before it is killed: 2 seconds.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(2);

    /// <summary>Lists the leftovers of every dead run in the store.</summary>
    public List<Leftover> Find(ICollection<string>? warnings = null)
    {
        var found = new List<Leftover>();
        foreach (var run in store.ReadAll(warnings))
        {
            if (run.Host.IsAlive())
            {
                continue; // a live sibling host: its processes are its own business
            }

            found.AddRange(run.Generations.Where(g => g.MayBeRunning && g.Process.IsAlive()).Select(g => new Leftover(run, g)));
        }

        return found;
    }

    /// <summary>Stops the given leftovers: SIGTERM to each (its process group when it leads one), a grace, then SIGKILL.</summary>
    /// <returns>One line per leftover saying what was done.</returns>
    public async Task<List<string>> ReapAsync(IReadOnlyList<Leftover> leftovers, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        foreach (var leftover in leftovers)
        {
            Signal(leftover, PosixSignalNumber.SIGTERM);
        }

        var deadline = time.GetUtcNow() + grace;
        while (leftovers.Any(l => l.Generation.Process.IsAlive()) && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        foreach (var leftover in leftovers)
        {
            var killed = leftover.Generation.Process.IsAlive() && Signal(leftover, PosixSignalNumber.SIGKILL);
            lines.Add($"{leftover}: {(killed ? "killed (it ignored SIGTERM)" : "stopped")}.");
            if (DecisionTrace.IsOn)
            {
                DecisionTrace.Write("reap", lines[^1]);
            }

            MarkReaped(leftover, killed);
        }

        return lines;
    }

    private bool Signal(Leftover leftover, PosixSignalNumber signal)
    {
        var process = leftover.Generation.Process;

        // Checked again right before the signal: the identity must still be the recorded one.
        if (!process.IsAlive())
        {
            return false;
        }

        if (leftover.Generation.Cgroup is { } cgroup && signal == PosixSignalNumber.SIGKILL && File.Exists(Path.Combine(cgroup, "cgroup.kill"))
            && ContainsPid(cgroup, process.Pid))
        {
            File.WriteAllText(Path.Combine(cgroup, "cgroup.kill"), "1");
            return true;
        }

        if (leftover.Generation.ProcessGroup is { } group && group == process.Pid && table.TryGet(process.Pid) is { } info && info.ProcessGroup == group)
        {
            return table.SignalGroup(group, signal);
        }

        return table.Signal(process.Pid, signal);
    }

    private static bool ContainsPid(string cgroup, int pid)
    {
        try
        {
            return File.ReadLines(Path.Combine(cgroup, "cgroup.procs")).Contains(pid.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void MarkReaped(Leftover leftover, bool killed)
    {
        var run = store.Read(leftover.Run.RunId);
        if (run?.Generations.Find(g => g.Cookie == leftover.Generation.Cookie && g.Generation == leftover.Generation.Generation) is not { } record)
        {
            return;
        }

        record.Status = "reaped";
        record.Ended = time.GetUtcNow();
        record.Signal = killed ? "SIGKILL" : "SIGTERM";
        run.SweptBy = string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId} at {time.GetUtcNow():O}");
        store.Write(run);
    }
}

/// <summary>One generation a dead run left running.</summary>
internal sealed record Leftover(RunRecord Run, GenerationRecord Generation)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Generation.Fixture} generation {Generation.Generation} (pid {Generation.Process.Pid}) of run {Run.RunId} (host pid {Run.Host.Pid}, started {Run.Started:yyyy-MM-dd HH:mm:ss}Z)");
}
