using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;

namespace LiveFixtures.Records;

/// <summary>
/// Keeps this test host's run record: one per host process, written to the <see cref="RunStore"/> at every change
/// (a generation started, died, stopped), so that a later run, the watchdog and the <c>livefixtures</c> tool can see
/// what this run left even if it is killed.
/// </summary>
/// <remarks>Safe under parallel use: changes are applied and written one at a time. A store that cannot be written
/// costs a warning on the trace, never a failed test.</remarks>
internal sealed class RunRecorder
{
    private static readonly Lazy<RunRecorder> Instance = new(() => new RunRecorder(RunStore.OpenDefault(), TimeProvider.System));

    private readonly Lock _gate = new();
    private readonly RunStore _store;
    private readonly TimeProvider _time;
    private readonly RunRecord _run;
    private bool _warned;

    /// <summary>Initializes a recorder for a new run of this process.</summary>
    public RunRecorder(RunStore store, TimeProvider time, string? runId = null)
    {
        _store = store;
        _time = time;
        var now = time.GetUtcNow();
        _run = new RunRecord
        {
            RunId = runId ?? $"{now:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}",
            Host = ProcessIdentity.Current,
            TestAssembly = Assembly.GetEntryAssembly()?.GetName().Name ?? Environment.ProcessPath ?? "",
            Started = now,
        };
    }

    /// <summary>Gets the recorder of this host process.</summary>
    public static RunRecorder Current => Instance.Value;

    /// <summary>Gets the store the recorder writes to.</summary>
    public RunStore Store => _store;

    /// <summary>Gets this run's id.</summary>
    public string RunId => _run.RunId;

    /// <summary>Records a generation that has just started.</summary>
    public void Started(GenerationRecord generation)
    {
        lock (_gate)
        {
            _run.Generations.Add(generation);
            Save();
        }
    }

    /// <summary>Applies a change to one generation's record and writes the run.</summary>
    /// <returns>Whether the generation was found.</returns>
    public bool Update(string fixture, int generation, string cookie, Action<GenerationRecord> change)
    {
        lock (_gate)
        {
            var record = _run.Generations.FindLast(g => g.Fixture == fixture && g.Generation == generation && g.Cookie == cookie);
            if (record is null)
            {
                return false;
            }

            change(record);
            Save();
            return true;
        }
    }

    /// <summary>Marks the run as ended and writes it.</summary>
    public void Ended(string how)
    {
        lock (_gate)
        {
            _run.Ended = _time.GetUtcNow();
            _run.EndedHow = how;
            Save();
        }
    }

    /// <summary>Gets a copy of the generations recorded so far.</summary>
    public List<GenerationRecord> Generations()
    {
        lock (_gate)
        {
            return [.. _run.Generations];
        }
    }

    private void Save()
    {
        _run.Updated = _time.GetUtcNow();
        try
        {
            _store.Write(_run);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_warned)
            {
                _warned = true;
                Trace.TraceWarning($"LiveFixtures could not write its run record to {_store.Root}: {e.Message} A later run will not be able to clean up after this one if it is killed.");
            }
        }
    }
}
