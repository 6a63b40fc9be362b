using LiveFixtures.Launching;
using LiveFixtures.Platform;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    private SpawnedProcess? _last;

    /// <summary>
    /// Stops the current generation: SIGTERM to its process group, a grace period, then SIGKILL to every
    /// descendant still alive (found by parentage and by the environment cookie). A no-op when never started.
    /// Resets the restart budget, so a Faulted handle can be started again.
    /// </summary>
    /// <param name="grace">How long to wait after SIGTERM before killing; default the builder's stop grace (5 s).</param>
    /// <param name="cancellationToken">Cancels waiting for the gate; the stop itself always completes.</param>
    /// <returns>How the stop went.</returns>
    public async Task<StopReport> StopAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        if (grace is { } g)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(g, TimeSpan.Zero, nameof(grace));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var spawned = _current;
            lock (_stateLock)
            {
                _ledger.Reset();
            }

            if (spawned is null)
            {
                if (State is LiveProcessState.Faulted)
                {
                    SetState(LiveProcessState.Stopped, _generation, "budget reset by StopAsync");
                }

                return new StopReport { ProcessName = Name, Outcome = StopOutcome.NotStarted };
            }

            SetState(LiveProcessState.Stopping, spawned.Generation);
            var report = await TerminateAsync(spawned, grace ?? _spec.StopGrace).ConfigureAwait(false);
            lock (_stateLock)
            {
                _current = null;
                _currentInfo = null;
            }

            SetState(LiveProcessState.Stopped, spawned.Generation, report.ToString());
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Ends a generation and everything it started; keeps its workspace when it died, deletes it otherwise.</summary>
    private async Task<StopReport> TerminateAsync(SpawnedProcess spawned, TimeSpan grace)
    {
        if (spawned.Termination is { } done)
        {
            // Already ended (a failed start, a replaced generation): nothing is left to stop.
            return done with { Outcome = StopOutcome.AlreadyExited, Duration = TimeSpan.Zero, DescendantsKilled = 0, OutputDuringStop = [] };
        }

        var started = _spec.Time.GetTimestamp();
        var mark = spawned.Output.Mark();
        var family = FindFamily(spawned);
        StopOutcome outcome;
        if (spawned.HasExited)
        {
            outcome = StopOutcome.AlreadyExited;
        }
        else if (grace > TimeSpan.Zero && SignalRoot(spawned, PosixSignalNumber.SIGTERM))
        {
            var exited = await Task.WhenAny(spawned.Exited, Task.Delay(grace, _spec.Time)).ConfigureAwait(false) == spawned.Exited;
            outcome = exited ? StopOutcome.Graceful : StopOutcome.Killed;
        }
        else
        {
            outcome = StopOutcome.Killed;
        }

        if (!spawned.HasExited)
        {
            KillRoot(spawned);
            await WaitBrieflyAsync(spawned.Exited, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        var killed = await KillSurvivorsAsync(spawned, family).ConfigureAwait(false);
        await WaitBrieflyAsync(spawned.Drains, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        spawned.Output.Complete();
        var exitCode = spawned.Exited.IsCompleted ? spawned.Exited.Result : (int?)null;
        var cleanStop = spawned.EndRecord is null || spawned.EndRecord.Cause == DeathCause.Stopped;
        if (cleanStop && spawned.WorkspacePath is { } workspace)
        {
            TryDelete(workspace);
        }

        lock (_stateLock)
        {
            _last = spawned;
        }

        spawned.Dispose();
        return spawned.Termination = new StopReport
        {
            ProcessName = Name,
            Generation = spawned.Generation,
            ProcessId = spawned.Pid,
            Outcome = outcome,
            ExitCode = exitCode,
            Signal = exitCode is { } code ? ProcessTables.SignalFromExitCode(code) : null,
            Duration = _spec.Time.GetElapsedTime(started),
            DescendantsKilled = killed,
            OutputDuringStop = spawned.Output.Since(mark),
        };
    }

    /// <summary>Sends a signal to the generation (its whole group when it leads one) while it is still our unreaped child.</summary>
    private bool SignalRoot(SpawnedProcess spawned, PosixSignalNumber signal)
    {
        if (spawned.HasExited || !OperatingSystem.IsLinux())
        {
            return false;
        }

        // An unreaped child cannot have its pid reused, so the pid (and the group it leads) is still ours.
        return spawned.OwnGroup ? _table.SignalGroup(spawned.Pid, signal) : _table.Signal(spawned.Pid, signal);
    }

    private void KillRoot(SpawnedProcess spawned)
    {
        if (OperatingSystem.IsLinux())
        {
            SignalRoot(spawned, PosixSignalNumber.SIGKILL);
        }

        try
        {
            spawned.Process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Lists the generation's descendants by parentage and by cookie, with their start times, before any signal.</summary>
    private List<OsProcessInfo> FindFamily(SpawnedProcess spawned)
    {
        var all = _table.Snapshot();

        // Parentage is only ours while the root is our unreaped child: once it has exited its children were
        // re-parented, and its pid may belong to a stranger now. Then the cookie alone says what is ours.
        var family = spawned.HasExited
            ? new Dictionary<int, OsProcessInfo>()
            : ProcessTables.Descendants(all, spawned.Pid).ToDictionary(p => p.Pid);
        foreach (var marked in all.Where(p => p.Pid != spawned.Pid && !family.ContainsKey(p.Pid) && CarriesCookie(p.Pid, spawned)))
        {
            family[marked.Pid] = marked;
        }

        return [.. family.Values];
    }

    /// <summary>Kills every descendant still alive: those seen earlier (same start time, so the pid was not reused) and any carrying the cookie.</summary>
    private async Task<int> KillSurvivorsAsync(SpawnedProcess spawned, List<OsProcessInfo> family)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var targets = new Dictionary<int, OsProcessInfo>();
        foreach (var known in family)
        {
            if (_table.TryGet(known.Pid) is { } now && now.StartTicks == known.StartTicks)
            {
                targets[now.Pid] = now;
            }
        }

        foreach (var marked in _table.Snapshot().Where(p => p.Pid != spawned.Pid && !targets.ContainsKey(p.Pid) && CarriesCookie(p.Pid, spawned)))
        {
            targets[marked.Pid] = marked;
        }

        var killed = 0;
        foreach (var target in targets.Values)
        {
            if (_table.Signal(target.Pid, PosixSignalNumber.SIGKILL))
            {
                killed++;
            }
        }

        // Wait (real time: this is the OS settling) until they are gone, so the caller sees none of them.
        for (var i = 0; i < 200 && targets.Values.Any(t => _table.TryGet(t.Pid) is { } p && p.StartTicks == t.StartTicks); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System).ConfigureAwait(false);
        }

        return killed;
    }

    private bool CarriesCookie(int pid, SpawnedProcess spawned) =>
        _table.CanReadEnvironment && _table.HasEnvironmentVariable(pid, SpawnedProcess.CookieVariable, spawned.Cookie);

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temp directory is harmless.
        }
    }
}
