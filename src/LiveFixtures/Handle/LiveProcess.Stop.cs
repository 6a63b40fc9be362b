using LiveFixtures.Launching;
using LiveFixtures.Platform;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    private SpawnedProcess? _last;

    /// <summary>
    /// Stops the current generation: SIGTERM to its process group, a grace period, then SIGKILL to everything its
    /// containment holds (its cgroup, or its group, session and orphans; see <see cref="ContainmentTier"/>). A no-op when never started.
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

        // Before the SIGTERM: what leaves the tree when a parent exits on it is then still known as a member.
        if (OperatingSystem.IsLinux())
        {
            spawned.Box.Observe();
        }

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

        // Everything the box holds, the root included: one cgroup.kill, or the group, its session and the orphans
        // that came back to the host. Waits (real time) until the kernel says they are gone.
        var killed = OperatingSystem.IsLinux() ? await spawned.Box.KillAllAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false) : 0;
        await spawned.OutputSettledAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
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
        if (DecisionTrace.IsOn)
        {
            DecisionTrace.Write("stop", $"{Name} generation {spawned.Generation} (pid {spawned.Pid}): {outcome} after a grace of {grace.TotalMilliseconds:0} ms, exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}, {killed} process(es) killed in its {spawned.Box.Tier} box");
        }

        spawned.Termination = new StopReport
        {
            ProcessName = Name,
            Generation = spawned.Generation,
            ProcessId = spawned.Pid,
            Outcome = outcome,
            ExitCode = exitCode,
            Signal = exitCode is { } code ? ProcessTables.SignalFromExitCode(code) : null,
            Duration = _spec.Time.GetElapsedTime(started),
            DescendantsKilled = killed,
            Containment = spawned.Box.Tier,
            OutputDuringStop = spawned.Output.Since(mark),
        };
        RecordTerminated(spawned, spawned.Termination);
        return spawned.Termination;
    }

    /// <summary>
    /// Sends a signal to the generation, to its whole group by kill(-pgid) when it leads one, else through its pidfd;
    /// only while the root is unreaped, as a pid that has been reaped may already name a stranger.
    /// </summary>
    private static bool SignalRoot(SpawnedProcess spawned, PosixSignalNumber signal) =>
        OperatingSystem.IsLinux() && (spawned.OwnGroup ? spawned.Child.SignalGroup(signal) : spawned.Child.Signal(signal));

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
