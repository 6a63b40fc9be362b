using System.Diagnostics;
using LiveFixtures.Containment;
using LiveFixtures.Launching;
using LiveFixtures.Records;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    private RunRecorder? _recorder;
    private int _swept;
    private string? _leftoverNotice;
    private static int _runEnded;

    /// <summary>Gets this run's recorder for the handle's store: changes are applied in memory and written in the background.</summary>
    internal RunRecorder Recorder => _recorder ??= RunRecorder.For(_spec.RunStoreRoot);

    /// <summary>Takes the notice about what earlier runs left running (made at the first start), once: the first test that uses the fixture gets it.</summary>
    internal string? TakeLeftoverNotice() => Interlocked.Exchange(ref _leftoverNotice, null);

    /// <summary>
    /// At the handle's first start: applies the leftover policy to what dead runs of this fixture left running (the
    /// store is read once per host), and frees fixed ports that their leftovers hold, under the reap policy.
    /// </summary>
    private async Task SweepBeforeStartAsync(CancellationToken cancellationToken)
    {
        var fixedPorts = _spec.Ports.Where(p => p.FixedPort is not null).ToList();
        var first = Interlocked.Exchange(ref _swept, 1) == 0;
        if (!first && fixedPorts.Count == 0)
        {
            return;
        }

        var sweep = LeftoverSweep.For(Recorder, _table);
        var notes = new List<string>();
        try
        {
            if (first && await sweep.BeforeFirstStartAsync(Name, _spec.Leftovers, cancellationToken).ConfigureAwait(false) is { } notice)
            {
                notes.Add(notice);
            }
        }
        catch (LiveProcessStartException)
        {
            Volatile.Write(ref _swept, 0); // the fail policy: every start checks again until they are gone
            throw;
        }

        if (first)
        {
            notes.AddRange(sweep.TakeWarnings());
        }

        foreach (var port in fixedPorts.Select(p => p.FixedPort!.Value).Where(p => !PortLease.IsFree(p)))
        {
            if (_table.FindListener(port) is { } holder
                && await sweep.FreePortAsync(Name, port, holder.Pid, _spec.Leftovers, cancellationToken).ConfigureAwait(false) is { } freed)
            {
                notes.Add(freed);
                await WaitForPortAsync(port, cancellationToken).ConfigureAwait(false);
            }
        }

        if (notes.Count > 0)
        {
            var text = string.Join(Environment.NewLine, notes);
            Interlocked.Exchange(ref _leftoverNotice, _leftoverNotice is null ? text : _leftoverNotice + Environment.NewLine + text);
            Trace.TraceWarning(text);
        }
    }

    private static async Task WaitForPortAsync(int port, CancellationToken cancellationToken)
    {
        // The kernel frees a listening socket as its last holder dies: real time, bounded.
        var started = TimeProvider.System.GetTimestamp();
        while (!PortLease.IsFree(port) && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records a generation that has just started: its identity, containment, arguments (secrets redacted), ports and files.</summary>
    private void RecordStarted(SpawnedProcess spawned)
    {
        Record(() =>
        {
            var identity = ProcessIdentity.Of(spawned.Pid) ?? new ProcessIdentity { Pid = spawned.Pid, BootId = ProcessIdentity.CurrentBootId, PidNamespace = ProcessIdentity.CurrentPidNamespace };
            Recorder.Started(new GenerationRecord
            {
                Fixture = Name,
                Generation = spawned.Generation,
                Process = identity,
                Cookie = spawned.Cookie,
                Containment = spawned.Box switch { CgroupBox => "cgroup", GroupBox => spawned.OwnGroup ? "process-group" : "none", _ => "none" },
                Cgroup = (spawned.Box as CgroupBox)?.Directory,
                ProcessGroup = spawned.OwnGroup ? spawned.Pid : null,
                CommandLine = [.. spawned.Argv.Select(Redact)],
                Ports = new Dictionary<string, int>(spawned.Ports),
                Workspace = spawned.WorkspacePath,
                LogFile = spawned.Output.FilePath,
                Started = spawned.StartedAt,
            });
            UpdateHealth(h => h.Generations++);
        });
    }

    private void RecordReady(SpawnedProcess spawned, LiveGeneration info) => Record(() =>
    {
        UpdateGeneration(spawned, g =>
        {
            g.Ready = info.ReadyAt;
            g.Ports = new Dictionary<string, int>(info.Ports);
        });
        UpdateHealth(h => h.StartingMilliseconds += (info.ReadyAt - info.StartedAt).TotalMilliseconds);
    });

    /// <summary>Records how a generation ended as the handle judged it (died, degraded, failed to start), in DeathRecord's words.</summary>
    private void RecordDeath(SpawnedProcess spawned, DeathRecord death) => Record(() =>
    {
        var test = death.TestName ?? (death.DescribeWhen() is { Length: > 0 } when ? when : null);
        UpdateGeneration(spawned, g =>
        {
            g.Status = death.Cause switch { DeathCause.Degraded => "degraded", DeathCause.FailedToStart => "failed-to-start", DeathCause.Stopped => g.Status, _ => "died" };
            g.ExitCode = death.ExitCode ?? g.ExitCode;
            g.Signal = death.SignalName ?? g.Signal;
            g.Cause = death.DescribeCause();
            g.Test = test;
        });
        if (death.Cause != DeathCause.Stopped)
        {
            UpdateHealth(h => h.Deaths.Add(new HealthDeath { Generation = death.Generation, Cause = death.DescribeCause(), Test = test ?? "between tests", At = death.At }));
        }
    });

    /// <summary>Records that a generation was ended and everything it held killed.</summary>
    private void RecordTerminated(SpawnedProcess spawned, StopReport report) => Record(() => UpdateGeneration(spawned, g =>
    {
        g.Ended = _spec.Time.GetUtcNow();
        g.Status = g.Status == "running" ? "stopped" : g.Status;
        g.ExitCode ??= report.ExitCode;
        g.Signal ??= report.Signal is { } signal ? Platform.ProcessTables.SignalName(signal) : null;
    }));

    private void RecordRespawn() => Record(() => UpdateHealth(h =>
    {
        h.Respawns++;
        lock (_stateLock)
        {
            h.BudgetLeft = _ledger.Left();
        }
    }));

    /// <summary>Records a start refused before any process ran, with its cause as the message tells it (first line, without the handle's prefix).</summary>
    private void RecordRefusedStart(int generation, string message) => Record(() =>
    {
        var line = message.Split('\n', 2)[0].Trim();
        var prefix = $"LiveProcess '{Name}' could not start generation {generation.ToString(System.Globalization.CultureInfo.InvariantCulture)}: ";
        var cause = line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : line;
        UpdateHealth(h =>
        {
            h.FailedStarts++;
            h.LastStartFailure = cause;
        });
    });

    private void RecordState(LiveProcessState state) => Record(() => UpdateHealth(h => h.State = state.ToString()));

    private void UpdateGeneration(SpawnedProcess spawned, Action<GenerationRecord> change) =>
        Recorder.Update(Name, spawned.Generation, spawned.Cookie, change);

    private void UpdateHealth(Action<FixtureHealth> change)
    {
        RunHealth.Update(Name, Recorder.RunId, h =>
        {
            if (h.Generations == 0 && h.Respawns == 0)
            {
                h.BudgetLeft = _spec.RestartBudget.MaxRespawns;
            }

            change(h);
        });
        Recorder.HealthChanged(Name);
    }

    private string Redact(string argument) =>
        _spec.Secrets.Aggregate(argument, (text, secret) => text.Replace(secret, "***", StringComparison.Ordinal));

    /// <summary>Runs a recording step; whatever fails in it costs the record, never the handle's work.</summary>
    private static void Record(Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Trace.TraceWarning($"LiveFixtures could not record a change in its run record: {e.Message}");
        }
    }

    /// <summary>Marks the run ended in every store this host recorded in, with the snapshots final, and writes it all now.</summary>
    private static void EndRun(string how)
    {
        if (Interlocked.Exchange(ref _runEnded, 1) == 1)
        {
            return; // a signal's handler ended it; the exit that follows must not say "completed"
        }

        RunHealth.Finish();
        foreach (var recorder in RunRecorder.All)
        {
            try
            {
                recorder.Ended(how, orphanStatus: "stopped");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Best effort while the host goes down.
            }
        }
    }
}
