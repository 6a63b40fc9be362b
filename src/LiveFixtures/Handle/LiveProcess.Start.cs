using System.Globalization;
using LiveFixtures.Health;
using LiveFixtures.Launching;
using LiveFixtures.Output;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    /// <summary>
    /// Starts a generation. A start that fails in a way that is usually transient (a bind error, an exit within the
    /// first moments) is retried at once with fresh ports, up to <see cref="LaunchSpec.StartRetries"/> times, without
    /// charging the restart budget; when every attempt fails, the failure lists them all.
    /// </summary>
    private async Task<LiveGeneration> StartGenerationAsync(DeathRecord? previous, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _startAttempts);
        var retried = new List<StartAttempt>();
        try
        {
            while (true)
            {
                try
                {
                    var generation = await StartOnceAsync(previous, retried, cancellationToken).ConfigureAwait(false);
                    _lastStartFailure = null;
                    return generation;
                }
                catch (LiveProcessStartException e) when (e.RetriedAs is { } failed)
                {
                    retried.Add(failed);
                }
            }
        }
        catch (LiveProcessStartException e)
        {
            _lastStartFailure = (attempt, e);
            throw;
        }
        finally
        {
            // Attempts run one at a time under the gate, so attempt k is the k-th to finish.
            Interlocked.Increment(ref _finishedAttempts);
        }
    }

    private async Task<LiveGeneration> StartOnceAsync(DeathRecord? previous, List<StartAttempt> retried, CancellationToken cancellationToken)
    {
        await SweepBeforeStartAsync(cancellationToken).ConfigureAwait(false);
        var number = Interlocked.Increment(ref _generation);
        SetState(LiveProcessState.Starting, number);
        SpawnedProcess spawned;
        try
        {
            spawned = await _launcher.SpawnAsync(number, retried.Count == 0 ? null : [.. retried.SelectMany(r => r.Ports)], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LiveProcessStartException or OperationCanceledException)
        {
            // A start refused, or given up while it waited for a machine-wide lease.
            if (e is LiveProcessStartException)
            {
                RecordRefusedStart(number, e.Message);
            }

            SetState(LiveProcessState.Dead, number);
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            RecordRefusedStart(number, e.Message);
            SetState(LiveProcessState.Dead, number);
            throw new LiveProcessStartException($"LiveProcess '{Name}' could not start generation {number}: {e.Message} Fix the cause above; the next EnsureReadyAsync tries again.", null, e) { ProcessName = Name };
        }

        spawned.ProbeState = new ProbeState(Name, number, spawned.Pid, spawned.Ports, spawned.Output, _spec.Time,
            (template, values) => ResolveTemplate(spawned, template, values));
        lock (_stateLock)
        {
            _current = spawned;
            _currentInfo = null;
        }

        RecordStarted(spawned);

        _ = WatchExitAsync(spawned);
        var last = ProbeResult.Unhealthy("the readiness probe has not run yet");
        using var startup = new CancellationTokenSource(_spec.StartupTimeout, _spec.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, startup.Token);
        var ready = _spec.Readiness is null
            ? Task.CompletedTask
            : WaitReadyAsync(spawned, r => last = r, linked.Token);
        var first = await Task.WhenAny(ready, spawned.Exited).ConfigureAwait(false);
        if (first == ready && ready.IsCompletedSuccessfully && spawned.ReadKernelState() is KernelState.Exiting or KernelState.Gone)
        {
            // The probe passed, but the root has exited (a zombie not yet seen) or is being killed: a daemon it forked
            // may answer the probe while the process LiveFixtures started is gone. Wait for the exit and fail the start.
            await WaitBrieflyAsync(spawned.Exited, ExitRecordLimit).ConfigureAwait(false);
        }

        if (first != ready || spawned.HasExited)
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await ready.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            throw await FailStartAsync(spawned, last, "exited while starting", timedOut: false, retried).ConfigureAwait(false);
        }

        try
        {
            await ready.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw await FailStartAsync(spawned, last, $"did not become ready within {Seconds(_spec.StartupTimeout)}", timedOut: true, retried).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The caller gave up: leave no half-started process behind.
            await TerminateAsync(spawned, TimeSpan.Zero).ConfigureAwait(false);
            lock (_stateLock)
            {
                spawned.EndRecord = NewRecord(spawned, DeathCause.Stopped, spawned.HasExited ? spawned.Exited.Result : null, last, RunningTestName());
            }

            SetState(LiveProcessState.Stopped, number, "start cancelled");
            throw;
        }

        if (spawned.Box.Tier == ContainmentTier.ProcessGroup)
        {
            // In this tier a descendant that leaves the generation's tree later is attributed only if it was seen in
            // it: the box looks now, and so does the watchdog, which finds it only while the host lives, before the
            // generation is handed out (bounded; nothing per test).
            spawned.Box.Observe();
            await Watchdog.RunWatchdog.SyncAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }

        foreach (var port in _spec.Ports.Where(p => p.FromOutput))
        {
            if (spawned.ProbeState.Values.TryGetValue(port.Name, out var text) && int.TryParse(text, CultureInfo.InvariantCulture, out var value))
            {
                spawned.Ports[port.Name] = value;
            }
        }

        var info = new LiveGeneration
        {
            ProcessName = Name,
            Number = number,
            ProcessId = spawned.Pid,
            Ports = new Dictionary<string, int>(spawned.Ports),
            BaseAddress = _spec.BaseAddress is null ? null : new Uri(spawned.ProbeState.Resolve(_spec.BaseAddress)),
            Values = new Dictionary<string, string>(spawned.ProbeState.Values),
            WorkspacePath = spawned.WorkspacePath,
            StartedAt = spawned.StartedAt,
            ReadyAt = _spec.Time.GetUtcNow(),
            Previous = previous,
            Output = spawned.Output,
            Containment = spawned.Box.Tier,
            ContainmentDetail = Containment.RunContainment.Current.Description,
        };
        lock (_stateLock)
        {
            _currentInfo = info;
        }

        RecordReady(spawned, info);
        SetState(LiveProcessState.Ready, number, previous is null ? null : $"replaces generation {previous.Generation}: {previous.DescribeCause()}");
        return info;
    }

    /// <summary>
    /// Runs the readiness probe until it passes. An output-line probe runs again on each new line and never polls. Any
    /// other probe is polled on a schedule that starts fast and backs off gently (<see cref="ReadinessPoll"/>), and is
    /// also run again at once when the process writes a line: apps tend to say when they listen.
    /// </summary>
    private async Task WaitReadyAsync(SpawnedProcess spawned, Action<ProbeResult> report, CancellationToken cancellationToken)
    {
        var probe = _spec.Readiness!;
        var wake = new LineSignal();
        using var subscription = spawned.Output.Subscribe(_ => wake.Set(), 0, replay: false);
        var context = spawned.ProbeState!.ToContext();
        ProbeResult? traced = null;
        var poll = new ReadinessPoll(_spec.ReadinessFirstDelay, _spec.ReadinessMaxDelay);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // Armed before the attempt: a line written while the probe runs wakes the next wait at once.
            var woken = wake.Arm();
            var result = await ProbeReadinessOnceAsync(probe, context, cancellationToken).ConfigureAwait(false);
            report(result);
            if (DecisionTrace.IsOn && result != traced)
            {
                // Each new answer once: a poll every few milliseconds would otherwise fill the trace.
                traced = result;
                DecisionTrace.Write("health", $"{Name} generation {spawned.Generation} (pid {spawned.Pid}) readiness: {result}");
            }

            if (result.IsHealthy)
            {
                return;
            }

            if (probe.IsEventDriven)
            {
                await woken.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (result.Answered)
            {
                // It listens and answers, but not yet as ready (404, 503). Many apps log each request: a line written in
                // answer to the probe must not start the next attempt at once, or probe and log feed each other (hundreds
                // of requests a second, and an output tail that holds nothing but the probe's own requests).
                await Task.Delay(AnsweredReadinessPause, _spec.Time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            using var pause = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(poll.Next(), _spec.Time, pause.Token);
            await Task.WhenAny(woken, delay).ConfigureAwait(false);

            // A line came first: drop the pause's timer rather than leave it running.
            await pause.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The pause between readiness attempts while the app answers, but not as ready.</summary>
    internal static readonly TimeSpan AnsweredReadinessPause = TimeSpan.FromMilliseconds(100);

    private async Task<ProbeResult> ProbeReadinessOnceAsync(IProbe probe, ProbeContext context, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(_spec.LivenessTimeout, _spec.Time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            // WaitAsync: a probe that ignores its token is left behind, not waited for under the gate.
            return await probe.CheckAsync(context, attempt.Token).AsTask().WaitAsync(attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Unhealthy($"{probe.Description}: no answer within {Seconds(_spec.LivenessTimeout)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ProbeResult.Unhealthy($"{probe.Description}: threw {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<LiveProcessStartException> FailStartAsync(SpawnedProcess spawned, ProbeResult last, string what, bool timedOut, List<StartAttempt> retried)
    {
        if (!timedOut)
        {
            // What it wrote before it exited (a bind error) is in the pipes already: read it, bounded, before the stop
            // closes them.
            await spawned.OutputSettledAsync(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
        }

        var exitCode = timedOut ? (int?)null : spawned.Exited.Result;
        // Counted before the stop kills them: a root that exited with 0 and left processes running daemonized.
        var leftRunning = exitCode == 0 ? CountLeftRunning(spawned) : 0;
        await TerminateAsync(spawned, TimeSpan.Zero).ConfigureAwait(false);
        var record = NewRecord(spawned, DeathCause.FailedToStart, exitCode, last, RunningTestName()) with { LeftRunning = leftRunning };
        var cause = timedOut
            ? $"the readiness probe ({_spec.Readiness!.Description}) last saw: {last.Description}. It was killed"
            : record.DescribeCause();
        if (DecisionTrace.IsOn)
        {
            DecisionTrace.Write("start", $"{Name} generation {spawned.Generation} (pid {spawned.Pid}) failed to start: {what}; last probe result: {last}");
        }

        var transient = timedOut ? null : TransientCause(record, record.At - spawned.StartedAt);
        if (transient is not null && retried.Count < _spec.StartRetries)
        {
            // Retried at once with fresh ports: not a death of a running app, so neither recorded nor charged.
            lock (_stateLock)
            {
                spawned.EndRecord = record;
            }

            var attempt = new StartAttempt(spawned.Generation, spawned.Pid, [.. spawned.Ports.Values], $"{cause} ({transient})", record.OutputTail.Count == 0 ? "(no output)" : record.OutputTail[^1].Text);
            SetState(LiveProcessState.Dead, spawned.Generation, $"start attempt {retried.Count + 1} failed: {attempt}; retrying with fresh ports");
            return new LiveProcessStartException(attempt.ToString(), record) { ProcessName = Name, RetriedAs = attempt };
        }

        PublishEnd(spawned, record, LiveProcessState.Dead, counts: true);
        var fix = timedOut
            ? $"Check that the app listens where the probe looks{PortsText(spawned)}, or raise WithStartupTimeout."
            : record.Daemonized
                ? DeathRecord.DaemonizedFix
                : exitCode == 0
                    ? "It ended normally before it was ready: it printed its usage, rejected an argument yet exited with 0, or daemonized (forked into the background and let the process LiveFixtures started exit, which LiveFixtures cannot watch: start it in the foreground, as with nginx's 'daemon off;' or redis-server's '--daemonize no'). Run the same command by hand to see which."
                    : "Fix the start-up error shown above; the next EnsureReadyAsync tries again.";
        var attempts = retried.Count == 0 ? "" :
            $"{Environment.NewLine}This was attempt {retried.Count + 1} of this start; the earlier ones failed in a way that is usually transient and were retried at once with fresh ports, not charged to the restart budget (WithStartRetries):{Environment.NewLine}" +
            string.Join(Environment.NewLine, retried.Select((a, i) => $"  {i + 1}. {a}"));
        return new LiveProcessStartException(
            $"LiveProcess '{Name}' (generation {spawned.Generation}, pid {spawned.Pid}) {what}{(record.TestName is null ? "" : $" (during test '{record.TestName}')")}: {cause}.{Environment.NewLine}" +
            $"Last output:{Environment.NewLine}{OutputLog.Format(record.OutputTail)}{attempts}{Environment.NewLine}{fix}",
            record)
        {
            ProcessName = Name,
        };
    }

    /// <summary>
    /// Tells why a start that ended this way is worth one more try, or null when it is not. An exit with code 0 is the
    /// app's own decision (it daemonized, or printed its usage): another try ends the same way.
    /// </summary>
    private string? TransientCause(DeathRecord record, TimeSpan lived)
    {
        if (record.ExitCode == 0)
        {
            return null;
        }

        if (record.OutputTail.FirstOrDefault(l => BindError.IsMatch(l.Text)) is { Text: not null } line)
        {
            return $"a bind error: '{line.Text.Trim()}'";
        }

        return lived <= _spec.StartRetryQuickExit ? $"it exited {Seconds(lived < TimeSpan.Zero ? TimeSpan.Zero : lived)} after it was started" : null;
    }

    /// <summary>Counts the processes of a generation still running besides its root (0 when they cannot be counted).</summary>
    private static int CountLeftRunning(SpawnedProcess spawned)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            return spawned.Box.CountOthers();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // A box that cannot be read (a cgroup removed meanwhile) tells nothing; the record says what is known.
            return 0;
        }
    }

    private static readonly System.Text.RegularExpressions.Regex BindError = new(
        @"address already in use|EADDRINUSE|address in use|only one usage of each socket address|failed to bind|could not bind|cannot bind|bind\(\) failed|cannot listen|port is already allocated",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant,
        TimeSpan.FromMilliseconds(100));

    private static string PortsText(SpawnedProcess spawned) =>
        spawned.Ports.Count == 0 ? "" : " (" + string.Join(", ", spawned.Ports.Select(p => $"{{port{(p.Key == PortNames.Default ? "" : ":" + p.Key)}}} is {p.Value}")) + ")";

    private string ResolveTemplate(SpawnedProcess spawned, string template, IReadOnlyDictionary<string, string> values)
    {
        if (template.StartsWith('/') && _spec.BaseAddress is { } baseAddress)
        {
            template = baseAddress.TrimEnd('/') + template;
        }

        return Placeholders.Resolve(template, (key, argument) => key switch
        {
            "port" => spawned.Ports.TryGetValue(argument ?? PortNames.Default, out var port)
                ? port.ToString(CultureInfo.InvariantCulture)
                : values.GetValueOrDefault(argument ?? PortNames.Default),
            "workspace" => spawned.WorkspacePath,
            "generation" => spawned.Generation.ToString(CultureInfo.InvariantCulture),
            "match" when argument is not null => values.GetValueOrDefault(argument),
            _ => null,
        });
    }
}
