using System.Globalization;
using LiveFixtures.Health;
using LiveFixtures.Launching;
using LiveFixtures.Output;
using Polly;
using Polly.Retry;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    private readonly ResiliencePipeline<ProbeResult> _readiness;

    private static ResiliencePipeline<ProbeResult> CreateReadinessPipeline(LaunchSpec spec)
    {
        var eventDriven = spec.Readiness?.IsEventDriven == true;
        return new ResiliencePipelineBuilder<ProbeResult> { TimeProvider = spec.Time }
            .AddRetry(new RetryStrategyOptions<ProbeResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null
                    ? !args.Outcome.Result.IsHealthy
                    : args.Outcome.Exception is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = spec.ReadinessFirstDelay,
                MaxDelay = spec.ReadinessMaxDelay,

                // An output-line probe only changes when a line arrives: each attempt waits for one, so no delay.
                DelayGenerator = eventDriven ? static _ => ValueTask.FromResult<TimeSpan?>(TimeSpan.Zero) : null,
            })
            .Build();
    }

    private async Task<LiveGeneration> StartGenerationAsync(DeathRecord? previous, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _startAttempts);
        try
        {
            var generation = await StartOnceAsync(previous, cancellationToken).ConfigureAwait(false);
            _lastStartFailure = null;
            return generation;
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

    private async Task<LiveGeneration> StartOnceAsync(DeathRecord? previous, CancellationToken cancellationToken)
    {
        await SweepBeforeStartAsync(cancellationToken).ConfigureAwait(false);
        var number = Interlocked.Increment(ref _generation);
        SetState(LiveProcessState.Starting, number);
        SpawnedProcess spawned;
        try
        {
            spawned = _launcher.Spawn(number);
        }
        catch (LiveProcessStartException)
        {
            SetState(LiveProcessState.Dead, number);
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
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
        if (first != ready || spawned.HasExited)
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await ready.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            throw await FailStartAsync(spawned, last, "exited while starting", timedOut: false).ConfigureAwait(false);
        }

        try
        {
            await ready.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw await FailStartAsync(spawned, last, $"did not become ready within {Seconds(_spec.StartupTimeout)}", timedOut: true).ConfigureAwait(false);
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

    private async Task WaitReadyAsync(SpawnedProcess spawned, Action<ProbeResult> report, CancellationToken cancellationToken)
    {
        var probe = _spec.Readiness!;
        using var arrived = new SemaphoreSlim(0, 1);
        using var subscription = probe.IsEventDriven
            ? spawned.Output.Subscribe(_ => { try { arrived.Release(); } catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException) { } }, 0, replay: false)
            : null;
        var context = spawned.ProbeState!.ToContext();
        await _readiness.ExecuteAsync(
            async token =>
            {
                ProbeResult result;
                using (var limit = new CancellationTokenSource(_spec.LivenessTimeout, _spec.Time))
                using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, limit.Token))
                {
                    try
                    {
                        // WaitAsync: a probe that ignores its token is left behind, not waited for under the gate.
                        result = await probe.CheckAsync(context, attempt.Token).AsTask().WaitAsync(attempt.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        result = ProbeResult.Unhealthy($"{probe.Description}: no answer within {Seconds(_spec.LivenessTimeout)}");
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        result = ProbeResult.Unhealthy($"{probe.Description}: threw {e.GetType().Name}: {e.Message}");
                    }
                }

                report(result);
                if (!result.IsHealthy && probe.IsEventDriven)
                {
                    await arrived.WaitAsync(token).ConfigureAwait(false);
                }

                return result;
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<LiveProcessStartException> FailStartAsync(SpawnedProcess spawned, ProbeResult last, string what, bool timedOut)
    {
        await TerminateAsync(spawned, TimeSpan.Zero).ConfigureAwait(false);
        var exitCode = timedOut ? (int?)null : spawned.Exited.Result;
        var record = NewRecord(spawned, DeathCause.FailedToStart, exitCode, last, RunningTestName());
        lock (_stateLock)
        {
            spawned.EndRecord = record;
            _ledger.RecordDeath(record);
        }

        RecordDeath(spawned, record);
        SetState(LiveProcessState.Dead, spawned.Generation, record.ToString());
        var cause = timedOut
            ? $"the readiness probe ({_spec.Readiness!.Description}) last saw: {last.Description}. It was killed"
            : DeathRecord.DescribeExit(exitCode, record.Signal);
        var fix = timedOut
            ? $"Check that the app listens where the probe looks{PortsText(spawned)}, or raise WithStartupTimeout."
            : "Fix the start-up error shown above; the next EnsureReadyAsync tries again.";
        return new LiveProcessStartException(
            $"LiveProcess '{Name}' (generation {spawned.Generation}, pid {spawned.Pid}) {what}{(record.TestName is null ? "" : $" (during test '{record.TestName}')")}: {cause}.{Environment.NewLine}" +
            $"Last output:{Environment.NewLine}{OutputLog.Format(record.OutputTail)}{Environment.NewLine}{fix}",
            record)
        {
            ProcessName = Name,
        };
    }

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
