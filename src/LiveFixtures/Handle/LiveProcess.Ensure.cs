using LiveFixtures.Health;
using LiveFixtures.Launching;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    /// <summary>
    /// Returns a ready generation: starts the process on first use, and when the current generation is
    /// dead or degraded, stops what is left of it and starts a new one. Concurrent callers share one respawn.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait; a start cancelled half-way leaves no process behind.
    /// When not given inside a test, the test's own token is used.</param>
    /// <returns>The current generation, with what happened to the previous one in <see cref="LiveGeneration.Previous"/>.</returns>
    /// <exception cref="LiveProcessStartException">The generation could not start or never became ready.</exception>
    /// <exception cref="LiveProcessFaultedException">The restart budget is used up.</exception>
    /// <remarks>When a liveness probe is configured, a ready generation is probed once (2 s timeout by default)
    /// before it is returned, unless it was started during this very call.</remarks>
    public async Task<LiveGeneration> EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        cancellationToken = OrTestToken(cancellationToken);
        var caller = Xunit.TestContext.Current?.Test?.TestDisplayName;
        var seen = Current?.Number ?? 0;
        var attemptsSeen = Volatile.Read(ref _finishedAttempts);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);

            // Single flight for failures too: a caller that waited while a start failed gets that failure (in an
            // instance of its own), instead of paying for another start attempt of its own.
            if (_lastStartFailure is { } failed && failed.Attempt > attemptsSeen)
            {
                throw failed.Error.CopyForAnotherCaller();
            }

            if (caller is not null)
            {
                lock (_stateLock)
                {
                    _lastCaller = caller;
                }
            }

            if (State == LiveProcessState.Faulted)
            {
                throw Faulted();
            }

            var spawned = _current;
            if (spawned is not null && State == LiveProcessState.Ready && !spawned.HasExited)
            {
                var info = Current!;
                if (_spec.Liveness is null || !_spec.CheckLivenessOnEnsure || info.Number != seen)
                {
                    return info;
                }

                var result = await ProbeLivenessAsync(spawned, cancellationToken).ConfigureAwait(false);
                if (result.IsHealthy)
                {
                    return info;
                }

                if (!await ExitsSoonAsync(spawned).ConfigureAwait(false))
                {
                    MarkDegraded(spawned, result);
                }
            }

            return await RespawnAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks the current generation now: returns null when it is alive and passes its liveness probe,
    /// or the record of how it ended (exited, or degraded — which also marks it for replacement).
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Null when healthy (or never started); otherwise how it ended.</returns>
    public async Task<DeathRecord?> CheckAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken = OrTestToken(cancellationToken);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var spawned = _current;
            if (spawned is null)
            {
                return null;
            }

            if (spawned.EndRecord is { } end)
            {
                return end;
            }

            if (spawned.HasExited)
            {
                var exit = await ExitRecordAsync(spawned, cancellationToken).ConfigureAwait(false);
                return spawned.EndRecord ?? exit;
            }

            if (_spec.Liveness is null || State != LiveProcessState.Ready)
            {
                return null;
            }

            var result = await ProbeLivenessAsync(spawned, cancellationToken).ConfigureAwait(false);
            if (result.IsHealthy)
            {
                return null;
            }

            if (await ExitsSoonAsync(spawned).ConfigureAwait(false))
            {
                var exit = await ExitRecordAsync(spawned, cancellationToken).ConfigureAwait(false);
                return spawned.EndRecord ?? exit;
            }

            MarkDegraded(spawned, result);
            return spawned.EndRecord;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<LiveGeneration> RespawnAsync(CancellationToken cancellationToken)
    {
        var old = _current;
        DeathRecord? previous = null;
        if (old is not null)
        {
            if (old.EndRecord is null && old.HasExited)
            {
                var exit = await ExitRecordAsync(old, cancellationToken).ConfigureAwait(false);
                lock (_stateLock)
                {
                    // It died in the instant between its readiness and the Ready state: still a death that counts.
                    if (old.EndRecord is null && exit.Cause == DeathCause.Exited)
                    {
                        old.EndRecord = exit;
                        _ledger.RecordDeath(exit);
                    }
                }
            }

            previous = old.EndRecord;
            await TerminateAsync(old, TimeSpan.Zero).ConfigureAwait(false);
            lock (_stateLock)
            {
                // The old generation is gone: a failed spawn next must not be charged to its death again.
                _current = null;
                _currentInfo = null;
            }
        }

        if (previous is not null && previous.Cause != DeathCause.Stopped)
        {
            bool claimed;
            lock (_stateLock)
            {
                claimed = _ledger.TryClaimRespawn();
            }

            if (!claimed)
            {
                var error = Faulted();
                SetState(LiveProcessState.Faulted, previous.Generation, error.Message);
                throw error;
            }
        }

        return await StartGenerationAsync(previous, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ProbeResult> ProbeLivenessAsync(SpawnedProcess spawned, CancellationToken cancellationToken)
    {
        var probe = _spec.Liveness!;
        using var timeout = new CancellationTokenSource(_spec.LivenessTimeout, _spec.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // WaitAsync: a probe that ignores its token is left behind, not waited for under the gate.
            return await probe.CheckAsync(spawned.ProbeState!.ToContext(), linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Unhealthy($"{probe.Description}: no answer within {Seconds(_spec.LivenessTimeout)} (the app looks hung)");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ProbeResult.Unhealthy($"{probe.Description}: threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Tells whether a process that just failed its probe is in fact exiting: its sockets close before the OS
    /// reports the exit, and a crash must be recorded as the crash it is, not as a degrade.
    /// </summary>
    private static async Task<bool> ExitsSoonAsync(SpawnedProcess spawned)
    {
        await WaitBrieflyAsync(spawned.Exited, TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        return spawned.HasExited;
    }

    private void MarkDegraded(SpawnedProcess spawned, ProbeResult result)
    {
        var record = NewRecord(spawned, DeathCause.Degraded, exitCode: null, result, RunningTestName());
        lock (_stateLock)
        {
            spawned.EndRecord = record;
            _ledger.RecordDeath(record);
        }

        SetState(LiveProcessState.Degraded, spawned.Generation, record.ToString());
    }

    /// <summary>
    /// Records the exit of a generation the moment it happens. Runs unawaited, so whatever fails in it, the exit record
    /// that respawns, checks and waits depend on is completed in the <c>finally</c>.
    /// </summary>
    private async Task WatchExitAsync(SpawnedProcess spawned)
    {
        int? exitCode = null;
        try
        {
            exitCode = await spawned.Exited.ConfigureAwait(false);
            await RecordExitAsync(spawned, exitCode.Value).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A throwing clock or subscriber: the plain record below still tells what is known.
        }
        finally
        {
            if (!spawned.ExitRecord.Task.IsCompleted)
            {
                spawned.ExitRecord.TrySetResult(PlainExitRecord(spawned, exitCode));
            }
        }
    }

    private async Task RecordExitAsync(SpawnedProcess spawned, int exitCode)
    {
        var test = RunningTestName();
        var at = _spec.Time.GetUtcNow();
        // What the root wrote before it exited is in the pipes already: read it, but never wait for the pipes to
        // close (a descendant may hold them open for good).
        await spawned.OutputSettledAsync(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        var cause = State == LiveProcessState.Stopping ? DeathCause.Stopped : DeathCause.Exited;
        var record = NewRecord(spawned, cause, exitCode, null, test) with { At = at };
        var died = false;
        lock (_stateLock)
        {
            if (ReferenceEquals(_current, spawned) && _state == LiveProcessState.Ready && spawned.EndRecord is null)
            {
                spawned.EndRecord = record;
                _ledger.RecordDeath(record);
                died = true;
            }
        }

        if (died)
        {
            SetState(LiveProcessState.Dead, spawned.Generation, record.ToString());
        }

        spawned.ExitRecord.TrySetResult(spawned.EndRecord is { Cause: DeathCause.Exited or DeathCause.FailedToStart } end ? end : record);
    }

    /// <summary>Waits for the exit record of a generation that has exited, bounded: past the bound it is made here.</summary>
    private async Task<DeathRecord> ExitRecordAsync(SpawnedProcess spawned, CancellationToken cancellationToken)
    {
        try
        {
            // The watcher completes it within a quarter second of the exit; real time, as it waits on the OS.
            return await spawned.ExitRecord.Task.WaitAsync(ExitRecordLimit, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var record = PlainExitRecord(spawned, spawned.Exited.IsCompletedSuccessfully ? spawned.Exited.Result : null);
            spawned.ExitRecord.TrySetResult(record);
            return spawned.ExitRecord.Task.Result;
        }
    }

    /// <summary>Makes an exit record from what is known without the handle's clock or its subscribers, neither of which may fail here.</summary>
    private DeathRecord PlainExitRecord(SpawnedProcess spawned, int? exitCode)
    {
        DateTimeOffset at;
        try
        {
            at = _spec.Time.GetUtcNow();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            at = spawned.StartedAt;
        }

        return new DeathRecord
        {
            ProcessName = Name,
            Generation = spawned.Generation,
            ProcessId = spawned.Pid,
            Cause = DeathCause.Exited,
            ExitCode = exitCode,
            Signal = exitCode is { } code ? Platform.ProcessTables.SignalFromExitCode(code) : null,
            At = at,
            OutputTail = spawned.Output.Tail(_spec.OutputTailLines),
            WorkspacePath = spawned.WorkspacePath,
            LogFilePath = spawned.Output.FilePath,
        };
    }

    private DeathRecord NewRecord(SpawnedProcess spawned, DeathCause cause, int? exitCode, ProbeResult? probe, string? test) => new()
    {
        ProcessName = Name,
        Generation = spawned.Generation,
        ProcessId = spawned.Pid,
        Cause = cause,
        ExitCode = exitCode,
        Signal = exitCode is { } code ? Platform.ProcessTables.SignalFromExitCode(code) : null,
        At = _spec.Time.GetUtcNow(),
        TestName = test,
        ProbeResult = probe,
        OutputTail = spawned.Output.Tail(_spec.OutputTailLines),
        WorkspacePath = spawned.WorkspacePath,
        LogFilePath = spawned.Output.FilePath,
    };

    private LiveProcessFaultedException Faulted()
    {
        IReadOnlyList<DeathRecord> deaths;
        lock (_stateLock)
        {
            deaths = _ledger.DeathsInWindow();
            if (deaths.Count == 0)
            {
                deaths = [.. _ledger.Deaths.TakeLast(_spec.RestartBudget.MaxRespawns + 1)];
            }
        }

        var budget = _spec.RestartBudget;
        var list = string.Join(Environment.NewLine, deaths.Select(d =>
            $"  - generation {d.Generation} (pid {d.ProcessId}){(d.TestName is null ? "" : $" during '{d.TestName}'")}: {d.DescribeCause()} at {d.At:HH:mm:ss.fff}; last line: {(d.OutputTail.Count == 0 ? "(no output)" : d.OutputTail[^1].Text)}"));
        return new LiveProcessFaultedException(
            $"LiveProcess '{Name}' is Faulted: its restart budget ({budget.MaxRespawns} respawn{(budget.MaxRespawns == 1 ? "" : "s")} within {Seconds(budget.Window)}) is used up, so it is not started again and every test that needs it fails at once. The deaths that used it up:{Environment.NewLine}{list}{Environment.NewLine}Fix the crash shown in the first death; StopAsync resets the budget.",
            deaths)
        {
            ProcessName = Name,
        };
    }

    private static async Task WaitBrieflyAsync(Task task, TimeSpan limit)
    {
        // OS-level settling (pipes closing after an exit) runs on real time even when the handle uses a virtual clock.
        await Task.WhenAny(task, Task.Delay(limit, TimeProvider.System)).ConfigureAwait(false);
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.###} s" : $"{span.TotalMilliseconds:0} ms";
}
