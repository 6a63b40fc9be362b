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
                var probe = _spec.Liveness is not null && _spec.CheckLivenessOnEnsure && info.Number == seen;
                var verdict = await CheckHealthAsync(spawned, probe, cancellationToken).ConfigureAwait(false);
                if (verdict.Healthy)
                {
                    return info;
                }

                if (verdict.Failure is { } failure)
                {
                    MarkDegraded(spawned, failure);
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
                return SettleExit(spawned, exit);
            }

            if (State != LiveProcessState.Ready)
            {
                return null;
            }

            var verdict = await CheckHealthAsync(spawned, _spec.Liveness is not null, cancellationToken).ConfigureAwait(false);
            if (verdict.Healthy)
            {
                return null;
            }

            if (verdict.Failure is { } failure)
            {
                MarkDegraded(spawned, failure);
                return spawned.EndRecord;
            }

            var exited = await ExitRecordAsync(spawned, cancellationToken).ConfigureAwait(false);
            return SettleExit(spawned, exited);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Makes sure a death a check is about to report is already the handle's state: when the exit watcher has not published
    /// it (its record was made here after the bounded wait), it is published now, record and Dead state together.
    /// </summary>
    private DeathRecord SettleExit(SpawnedProcess spawned, DeathRecord exit)
    {
        if (exit.Cause == DeathCause.Exited)
        {
            PublishEnd(spawned, exit, LiveProcessState.Dead, counts: true,
                onlyIf: () => ReferenceEquals(_current, spawned) && _state == LiveProcessState.Ready && spawned.EndRecord is null);
        }

        return spawned.EndRecord ?? exit;
    }

    /// <summary>
    /// Waits up to the settle window (<see cref="LiveProcessBuilder.WithSettleAfterTest"/>) for generation
    /// <paramref name="generation"/> to exit, so that a delayed exit is recorded while the test that caused it is still tracked.
    /// </summary>
    internal async Task SettleAsync(int generation, CancellationToken cancellationToken)
    {
        var window = _spec.SettleAfterTest;
        SpawnedProcess? spawned;
        lock (_stateLock)
        {
            spawned = _current;
        }

        if (window <= TimeSpan.Zero || spawned is null || spawned.Generation != generation || spawned.HasExited)
        {
            return;
        }

        var delay = Task.Delay(window, _spec.Time, cancellationToken);
        if (await Task.WhenAny(spawned.Exited, delay).ConfigureAwait(false) == spawned.Exited)
        {
            try
            {
                await ExitRecordAsync(spawned, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The check after the test records it in any case.
            }
        }
    }

    /// <summary>
    /// Judges a generation that counts as Ready: healthy only when its liveness probe passed (when <paramref name="probe"/>)
    /// and the kernel, asked after the probe answered, says the root is alive. Makes up to the failure threshold of attempts.
    /// </summary>
    /// <returns>Healthy; or exited (no failure: its exit record tells); or degraded, with the failure to record.</returns>
    private async Task<(bool Healthy, ProbeResult? Failure)> CheckHealthAsync(SpawnedProcess spawned, bool probe, CancellationToken cancellationToken)
    {
        var noAnswers = 0;
        var unhealthy = 0;
        for (var attempt = 1; ; attempt++)
        {
            var (result, answered) = probe
                ? await ProbeLivenessAsync(spawned, cancellationToken).ConfigureAwait(false)
                : (ProbeResult.Healthy("no liveness probe"), true);

            // Asked after the probe answered: a process being killed still completes TCP handshakes on its listening socket.
            var kernel = spawned.ReadKernelState();
            if (DecisionTrace.IsOn)
            {
                DecisionTrace.Write("health", $"{Name} generation {spawned.Generation} (pid {spawned.Pid}) liveness attempt {attempt}: {(probe ? result.ToString() : "no probe")}{(answered ? "" : " (no answer)")}; kernel says {kernel}");
            }

            if (kernel is KernelState.Exiting or KernelState.Gone)
            {
                await WaitBrieflyAsync(spawned.Exited, ExitRecordLimit).ConfigureAwait(false);
                return spawned.HasExited
                    ? (false, null)
                    : (false, ProbeResult.Unhealthy($"the kernel reports the process exiting (SIGKILL pending or being torn down), but it did not exit within {Seconds(ExitRecordLimit)}"));
            }

            if (result.IsHealthy && (kernel == KernelState.Alive || !probe))
            {
                return (true, null);
            }

            if (await ExitsSoonAsync(spawned).ConfigureAwait(false))
            {
                return (false, null);
            }

            if (answered)
            {
                unhealthy++;
            }
            else
            {
                noAnswers++;
            }

            if (kernel == KernelState.Stopped)
            {
                return (false, ProbeResult.Unhealthy($"{result.Description}; the kernel reports the process stopped (state T: SIGSTOP or SIGTSTP), so it cannot answer until it is continued"));
            }

            if (attempt >= _spec.LivenessFailureThreshold)
            {
                return (false, ProbeResult.Unhealthy(result.Description + DescribeFailures(noAnswers, unhealthy)));
            }

            await Task.Delay(_spec.LivenessRetryInterval, _spec.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string DescribeFailures(int noAnswers, int unhealthy) => (noAnswers, unhealthy) switch
    {
        (_, 0) when noAnswers > 1 => $" ({noAnswers} attempts in a row without an answer)",
        (0, _) when unhealthy > 1 => $" (answered unhealthy {unhealthy} times in a row)",
        (0, _) or (_, 0) => "",
        _ => $" ({noAnswers + unhealthy} failed attempts in a row: {noAnswers} without an answer, {unhealthy} answered unhealthy)",
    };

    private async Task<LiveGeneration> RespawnAsync(CancellationToken cancellationToken)
    {
        var old = _current;
        DeathRecord? previous = null;
        if (old is not null)
        {
            if (old.EndRecord is null && old.HasExited)
            {
                var exit = await ExitRecordAsync(old, cancellationToken).ConfigureAwait(false);
                var recordedHere = false;
                lock (_stateLock)
                {
                    // It died in the instant between its readiness and the Ready state: still a death that counts.
                    if (old.EndRecord is null && exit.Cause == DeathCause.Exited)
                    {
                        old.EndRecord = exit;
                        _ledger.RecordDeath(exit);
                        recordedHere = true;
                    }
                }

                if (recordedHere)
                {
                    RecordDeath(old, exit); // otherwise the exit watcher recorded it
                }
            }

            previous = old.EndRecord;

            // A degraded process still runs and may save its state: it gets the normal grace. One that exited, or that a
            // signal stopped (it cannot act on SIGTERM until continued), is ended at once.
            var grace = previous is { Cause: DeathCause.Degraded } && old.ReadKernelState() == KernelState.Alive ? _spec.StopGrace : TimeSpan.Zero;
            await TerminateAsync(old, grace).ConfigureAwait(false);
            lock (_stateLock)
            {
                // The old generation is gone: a failed spawn next must not be charged to its death again.
                _current = null;
                _currentInfo = null;
            }
        }

        if (DecisionTrace.IsOn)
        {
            DecisionTrace.Write("respawn", old is null ? $"{Name}: first start" : $"{Name}: replacing generation {old.Generation} (pid {old.Pid}): {previous?.ToString() ?? "no end record"}");
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

            RecordRespawn();
        }

        return await StartGenerationAsync(previous, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the liveness probe once, bounded by its timeout; tells "no answer" (timed out) from an answer.</summary>
    private async Task<(ProbeResult Result, bool Answered)> ProbeLivenessAsync(SpawnedProcess spawned, CancellationToken cancellationToken)
    {
        var probe = _spec.Liveness!;
        using var timeout = new CancellationTokenSource(_spec.LivenessTimeout, _spec.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // WaitAsync: a probe that ignores its token is left behind, not waited for under the gate.
            return (await probe.CheckAsync(spawned.ProbeState!.ToContext(), linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false), true);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (ProbeResult.Unhealthy($"{probe.Description}: no answer within {Seconds(_spec.LivenessTimeout)} (the app looks hung)"), false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (ProbeResult.Unhealthy($"{probe.Description}: threw {e.GetType().Name}: {e.Message}"), true);
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
        PublishEnd(spawned, record, LiveProcessState.Degraded, counts: true);
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
        var blame = CurrentBlame(at);

        // What the root wrote before it exited is in the pipes already: read it, but never wait for the pipes to
        // close (a descendant may hold them open for good).
        await spawned.OutputSettledAsync(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        // A generation killed because the host is going down was stopped, not a death to record or tell.
        var cause = State == LiveProcessState.Stopping || Volatile.Read(ref _hostEnding) ? DeathCause.Stopped : DeathCause.Exited;
        // A root that exited with 0 while processes of its generation run on daemonized: the record says so.
        var leftRunning = cause == DeathCause.Exited && exitCode == 0 ? CountLeftRunning(spawned) : 0;
        var record = NewRecord(spawned, cause, exitCode, null, test, blame) with { At = at, LeftRunning = leftRunning };
        // Record and Dead state are published together: a check or wait that sees this death already reads Dead.
        PublishEnd(spawned, record, LiveProcessState.Dead, counts: true,
            onlyIf: () => ReferenceEquals(_current, spawned) && _state == LiveProcessState.Ready && spawned.EndRecord is null && cause == DeathCause.Exited);
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

    private DeathRecord NewRecord(SpawnedProcess spawned, DeathCause cause, int? exitCode, ProbeResult? probe, string? test, TestTimeline? timeline = null)
    {
        var at = _spec.Time.GetUtcNow();
        var known = timeline ?? CurrentBlame(at);
        return new()
        {
            ProcessName = Name,
            Generation = spawned.Generation,
            ProcessId = spawned.Pid,
            Cause = cause,
            ExitCode = exitCode,
            Signal = exitCode is { } code ? Platform.ProcessTables.SignalFromExitCode(code) : null,
            At = at,
            TestName = test,
            TestsInFlight = known.InFlight,
            TimeIntoTest = known.Into,
            PreviousTestName = known.Previous,
            TimeAfterPreviousTest = known.AfterPrevious,
            ProbeResult = probe,
            OutputTail = spawned.Output.Tail(_spec.OutputTailLines),
            WorkspacePath = spawned.WorkspacePath,
            LogFilePath = spawned.Output.FilePath,
        };
    }

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
