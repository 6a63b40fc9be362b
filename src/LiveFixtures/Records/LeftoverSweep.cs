using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// The next run's sweep: at the first start in this host (per store), finds what dead runs left running (once: one
/// read of the store); at each fixture's first start, applies the fixture's <see cref="LeftoverPolicy"/> to the
/// leftovers of that fixture, and makes the notice its first test is given. Also frees a fixed port that a leftover
/// holds, under the reap policy.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per store for the life of the host process.")]
internal sealed class LeftoverSweep
{
    /// <summary>The environment variable that sets the policy for every fixture, over the builder: reap, warn or fail.</summary>
    public const string Variable = "LIVEFIXTURES_LEFTOVERS";

    private static readonly ConcurrentDictionary<string, LeftoverSweep> ByStore = new(StringComparer.Ordinal);

    private readonly Leftovers _leftovers;
    private readonly RunStore _store;
    private readonly Lazy<List<Leftover>> _found;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<Leftover> _handled = [];

    private LeftoverSweep(RunStore store, IProcessTable table)
    {
        _store = store;
        _leftovers = new Leftovers(store, table, TimeProvider.System);
        _found = new Lazy<List<Leftover>>(FindOnce, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Gets how long the search of the store took, once it was made (for the diagnostics and the benchmark).</summary>
    public TimeSpan? SearchTook { get; private set; }

    /// <summary>Gets the warnings the search produced (corrupt records moved aside).</summary>
    private List<string> Warnings { get; } = [];

    /// <summary>Takes the warnings of the search (corrupt records moved aside), once: the first fixture to start tells its first test.</summary>
    public List<string> TakeWarnings()
    {
        _ = _found.Value;
        lock (Warnings)
        {
            List<string> taken = [.. Warnings];
            Warnings.Clear();
            return taken;
        }
    }

    /// <summary>Gets the sweep of this host for the store of <paramref name="recorder"/>.</summary>
    public static LeftoverSweep For(RunRecorder recorder, IProcessTable table) =>
        ByStore.GetOrAdd(recorder.Store.Root, _ => new LeftoverSweep(recorder.Store, table));

    /// <summary>Reads <see cref="Variable"/>: the policy it sets, or null when unset; a problem when its value is not one.</summary>
    public static (LeftoverPolicy? Policy, string? Problem) FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" => (null, null),
            "reap" => (LeftoverPolicy.Reap, null),
            "warn" => (LeftoverPolicy.Warn, null),
            "fail" => (LeftoverPolicy.Fail, null),
            _ => (null, $"The environment variable {Variable} is '{value}', which is not a leftover policy: set it to reap, warn or fail, or unset it to use the fixture's own (default reap)."),
        };
    }

    /// <summary>Gets the policy in force for a fixture: the environment variable's, else the builder's.</summary>
    public static (LeftoverPolicy Policy, string Source) Effective(LeftoverPolicy configured) =>
        FromEnvironment().Policy is { } fromEnvironment
            ? (fromEnvironment, $"{Variable}={fromEnvironment.ToString().ToLowerInvariant()}")
            : (configured, configured == LeftoverPolicy.Reap ? "the default" : $"WithLeftovers(LeftoverPolicy.{configured})");

    /// <summary>
    /// Applies the policy to what earlier runs of <paramref name="fixture"/> left running, at its first start.
    /// </summary>
    /// <returns>The notice for the first test that uses the fixture, or null when nothing was left.</returns>
    /// <exception cref="LiveProcessStartException">The policy is <see cref="LeftoverPolicy.Fail"/> and something was left.</exception>
    public async Task<string?> BeforeFirstStartAsync(string fixture, LeftoverPolicy configured, CancellationToken cancellationToken)
    {
        var found = _found.Value;
        if (found.Count == 0)
        {
            return null; // the common case: nothing to wait for
        }

        var (policy, source) = Effective(configured);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var mine = found.Where(l => l.Generation.Fixture == fixture && !_handled.Contains(l) && l.IsAlive()).ToList();
            if (mine.Count == 0)
            {
                return null;
            }

            switch (policy)
            {
                case LeftoverPolicy.Fail:
                    throw new LiveProcessStartException(
                        $"LiveProcess '{fixture}' was not started: an earlier run left {Count(mine)} of it running, and the leftover policy is fail ({source}).{Environment.NewLine}" +
                        Describe(mine) +
                        $"Their test host was killed before it could stop them, so they may still hold ports, files or state this run needs. Stop them with 'livefixtures reap' (or set {Variable}=reap to let the next run do it), then run again.")
                    {
                        ProcessName = fixture,
                    };
                case LeftoverPolicy.Warn:
                    _handled.UnionWith(mine);
                    return $"{fixture}: an earlier run left {Count(mine)} of it running; they were left alone (leftover policy warn, {source}).{Environment.NewLine}{Describe(mine)}Stop them with 'livefixtures reap'.";
                default:
                    _handled.UnionWith(mine);
                    var lines = await _leftovers.ReapAsync(mine, Leftovers.DefaultGrace, cancellationToken).ConfigureAwait(false);
                    return $"{fixture}: an earlier run left {Count(mine)} of it running, and this run reaped {(mine.Count == 1 ? "it" : "them")} before its first start (leftover policy reap, {source}):{Environment.NewLine}{Describe(mine, lines)}";
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Frees a fixed port held by a leftover of a dead run (of any fixture) under the reap policy; a holder owned by
    /// a live host, or foreign, is left alone (the start then fails with <see cref="PortInUseException"/>).
    /// </summary>
    /// <returns>A line saying what was reaped, or null when the holder is not a leftover or the policy is not reap.</returns>
    public async Task<string?> FreePortAsync(string fixture, int port, int holderPid, LeftoverPolicy configured, CancellationToken cancellationToken)
    {
        if (Effective(configured).Policy != LeftoverPolicy.Reap)
        {
            return null;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var holder = _found.Value.Where(l => l.Holds(holderPid) && l.IsAlive()).ToList();
            if (holder.Count == 0)
            {
                return null;
            }

            _handled.UnionWith(holder);
            var lines = await _leftovers.ReapAsync(holder, Leftovers.DefaultGrace, cancellationToken).ConfigureAwait(false);
            return $"{fixture}: port {port.ToString(CultureInfo.InvariantCulture)} was held by pid {holderPid.ToString(CultureInfo.InvariantCulture)}, left running by an earlier run whose host is gone; it was reaped so that this start could go on:{Environment.NewLine}{Describe(holder, lines)}";
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells whether a pid belongs to a leftover this sweep found (for the message of a busy port).</summary>
    public Leftover? Owning(int pid) => _found.IsValueCreated ? _found.Value.FirstOrDefault(l => l.Holds(pid)) : null;

    private List<Leftover> FindOnce()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return _leftovers.Find(Warnings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warnings.Add($"LiveFixtures could not look for what earlier runs left running in {_store.Root}: {e.Message}");
            return [];
        }
        finally
        {
            SearchTook = Stopwatch.GetElapsedTime(started);

            // Records (and kept workspaces) of runs that ended more than 7 days ago go, off the start path.
            _ = Task.Run(() =>
            {
                try
                {
                    _store.Prune(RunStore.DefaultRetention, TimeProvider.System.GetUtcNow());
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Tried again by the next run.
                }
            });
        }
    }

    private static string Count(List<Leftover> leftovers)
    {
        var processes = leftovers.Sum(l => l.Pids.Count());
        var generations = leftovers.Count == 1 ? "1 generation" : $"{leftovers.Count} generations";
        return $"{generations} ({processes} process{(processes == 1 ? "" : "es")})";
    }

    private static string Describe(List<Leftover> leftovers, List<string>? outcomes = null)
    {
        var text = new StringBuilder();
        foreach (var (leftover, index) in leftovers.Select((l, i) => (l, i)))
        {
            var run = leftover.Run;
            var ended = run.Ended is { } at
                ? $"it ended ({(run.EndedHow.Length == 0 ? "without saying how" : run.EndedHow)}) at {at:yyyy-MM-dd HH:mm:ss}Z but left this running"
                : $"its test host (pid {run.Host.Pid}) was killed before the run ended (last recorded {run.Updated:yyyy-MM-dd HH:mm:ss}Z)";
            text.Append(CultureInfo.InvariantCulture, $"  - generation {leftover.Generation.Generation}, pids {string.Join(", ", leftover.Pids)}, of run {run.RunId} ({run.TestAssembly}, started {run.Started:yyyy-MM-dd HH:mm:ss}Z; {ended})");
            if (outcomes is not null && index < outcomes.Count)
            {
                var outcome = outcomes[index];
                text.Append(": ").Append(outcome[(outcome.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].TrimEnd('.'));
            }

            text.AppendLine(".");
        }

        return text.ToString();
    }
}
