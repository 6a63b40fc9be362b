using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;

namespace LiveFixtures.Records;

/// <summary>
/// Keeps this test host's run record (one per host process and store) and its fixtures' health snapshots, so that a
/// later run, the watchdog and the <c>livefixtures</c> tool can see what this run left even if it is killed.
/// </summary>
/// <remarks>
/// Changes are applied in memory at once and written by one background task, <see cref="CoalesceWindow"/> after the
/// first of them: a burst of changes (a respawn) costs one write, never a wait on the caller's path. A write appends
/// to the run's log (<see cref="RecordLog"/>) a line per generation that changed, with its whole state, and the run's
/// line, flushed to disk: its cost does not grow with the generations recorded before it. The first write creates
/// the log atomically with everything recorded so far.
/// <see cref="Flush"/> writes what is pending (at the end of the run, on dispose). Safe under parallel use. A store
/// that cannot be written costs one warning, never a failed test.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per store for the life of the host process; its writer loop runs until the host exits.")]
internal sealed class RunRecorder
{
    /// <summary>How long the writer waits after a change before it writes, so that a burst (a respawn makes about six changes) costs one write: 20 ms.</summary>
    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(20);

    private static readonly ConcurrentDictionary<string, RunRecorder> ByStore = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();
    private readonly Lock _writing = new();
    private readonly RunStore _store;
    private readonly TimeProvider _time;
    private readonly RunRecord _run;
    private readonly HashSet<string> _fixtures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyHealth = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Fixture, int Generation, string Cookie), GenerationRecord> _byKey = [];
    private readonly HashSet<GenerationRecord> _dirty = new(ReferenceEqualityComparer.Instance);
    private bool _created;
    private bool _cut;
    private long _lastWriteBytes;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private long _version;
    private long _written;
    private long _writes;
    private int _loopStarted;
    private int _warned;
    private string? _warning;

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

    /// <summary>Gets the recorder of this host process for the default store (<see cref="StateDirectory.Resolve"/>).</summary>
    public static RunRecorder Current => For(null);

    /// <summary>Gets every recorder this host has opened, for the end of the run.</summary>
    public static ICollection<RunRecorder> All => ByStore.Values;

    /// <summary>Gets the store the recorder writes to.</summary>
    public RunStore Store => _store;

    /// <summary>Gets this run's id.</summary>
    public string RunId => _run.RunId;

    /// <summary>Gets how many times the run record was written (changes coalesce: fewer writes than changes).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Gets how many bytes the last write of the run record wrote (its log's lines; the first write, everything so far).</summary>
    public long LastWriteBytes => Interlocked.Read(ref _lastWriteBytes);

    /// <summary>Gets whether the run has been marked ended.</summary>
    public bool HasEnded
    {
        get { lock (_gate) { return _run.Ended is not null; } }
    }

    /// <summary>Gets the one recorder of this host for the store at <paramref name="root"/> (null: the default store).</summary>
    public static RunRecorder For(string? root)
    {
        var path = Path.GetFullPath(root ?? StateDirectory.Resolve());
        return ByStore.GetOrAdd(path, static p => new RunRecorder(new RunStore(p), TimeProvider.System));
    }

    /// <summary>Records a generation that has just started.</summary>
    public void Started(GenerationRecord generation)
    {
        lock (_gate)
        {
            _run.Generations.Add(generation);
            _byKey[(generation.Fixture, generation.Generation, generation.Cookie)] = generation;
            _dirty.Add(generation);
            _fixtures.Add(generation.Fixture);
        }

        Changed();
    }

    /// <summary>Applies a change to one generation's record; it is written in the background.</summary>
    /// <returns>Whether the generation was found.</returns>
    public bool Update(string fixture, int generation, string cookie, Action<GenerationRecord> change)
    {
        lock (_gate)
        {
            if (!_byKey.TryGetValue((fixture, generation, cookie), out var record))
            {
                return false;
            }

            change(record);
            _dirty.Add(record);
        }

        Changed();
        return true;
    }

    /// <summary>Marks a fixture's health snapshot (kept by <see cref="RunHealth"/>) to be written in the background.</summary>
    public void HealthChanged(string fixture)
    {
        lock (_gate)
        {
            _fixtures.Add(fixture);
            _dirtyHealth.Add(fixture);
        }

        Changed();
    }

    /// <summary>
    /// Marks the run as ended (<paramref name="how"/>: "completed", "signal SIGTERM"), with every generation still
    /// recorded as running marked by <paramref name="orphanStatus"/>, its snapshots final, and writes it all now.
    /// </summary>
    public void Ended(string how, string? orphanStatus = null)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _run.Ended = now;
            _run.EndedHow = how;
            foreach (var generation in _run.Generations.Where(g => g.Ended is null && orphanStatus is not null))
            {
                generation.Ended = now;
                generation.Status = generation.Status is "running" ? orphanStatus! : generation.Status;
                _dirty.Add(generation);
            }

            foreach (var fixture in _fixtures)
            {
                _dirtyHealth.Add(fixture);
            }
        }

        Changed(wake: false);
        Flush();
        Compact();
    }

    /// <summary>Rewrites the ended run's log compacted (<see cref="RunStore.Compact"/>), so that later reads of it are cheap.</summary>
    private void Compact()
    {
        bool created;
        lock (_gate)
        {
            created = _created;
        }

        if (!created)
        {
            return;
        }

        try
        {
            lock (_writing)
            {
                _store.Compact(_run.RunId);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn(e); // the log stays as appended: whole and readable, only slower to read
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

    /// <summary>Takes the warning about a store that could not be written, once: the caller shows it to a test.</summary>
    public string? TakeWarning() => Interlocked.Exchange(ref _warning, null);

    /// <summary>Writes what is pending now, on the calling thread (the end of the run, a dispose).</summary>
    public void Flush()
    {
        lock (_writing)
        {
            var version = Interlocked.Read(ref _version);
            if (version == Interlocked.Read(ref _written))
            {
                return;
            }

            byte[] lines;
            bool create;
            List<GenerationRecord> written;
            List<FixtureHealth> health;
            lock (_gate)
            {
                _run.Updated = _time.GetUtcNow();
                create = !_created;
                written = create ? [.. _run.Generations] : [.. _dirty];
                _dirty.Clear();
                lines = Lines(written, newline: _cut && !create);
                _cut = false;
                health = [.. _dirtyHealth.Select(RunHealth.Snapshot).OfType<FixtureHealth>().Select(h => h.ForWriting())];
                _dirtyHealth.Clear();
            }

            try
            {
                try
                {
                    if (create)
                    {
                        _store.Create(_run.RunId, lines);
                    }
                    else
                    {
                        _store.Append(_run.RunId, lines);
                    }
                }
                catch (FileNotFoundException)
                {
                    // The log went (a prune by hand, a reader that took it for corrupt): written again whole.
                    lock (_gate)
                    {
                        lines = Lines(_run.Generations, newline: false);
                    }

                    _store.Create(_run.RunId, lines);
                }

                lock (_gate)
                {
                    _created = true;
                }

                Interlocked.Exchange(ref _lastWriteBytes, lines.Length);
                Interlocked.Increment(ref _writes);
                foreach (var snapshot in health)
                {
                    snapshot.RunId = _run.RunId;
                    snapshot.Written = _time.GetUtcNow();
                    _store.WriteHealth(_run.RunId, snapshot);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (!create)
                {
                    lock (_gate)
                    {
                        // Written again by the next write, after a newline that ends a line this one may have cut.
                        _dirty.UnionWith(written);
                        _cut = true;
                    }
                }

                Warn(e);
            }

            Interlocked.Exchange(ref _written, version);
        }
    }

    /// <summary>Writes what is pending on a thread-pool thread.</summary>
    public Task FlushAsync() => Task.Run(Flush);

    private void Changed(bool wake = true)
    {
        Interlocked.Increment(ref _version);
        if (!wake)
        {
            return;
        }

        if (Interlocked.Exchange(ref _loopStarted, 1) == 0)
        {
            _ = Task.Run(WriteLoopAsync);
        }

        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A write is already due: it takes this change too.
        }
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            await _wake.WaitAsync().ConfigureAwait(false);
            try
            {
                await Task.Delay(CoalesceWindow, _time).ConfigureAwait(false);
                Flush();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Warn(e);
            }
        }
    }

    private void Warn(Exception e)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            var text = $"LiveFixtures could not write its run record to {_store.Root}: {e.Message} A later run will not be able to clean up after this one if it is killed; set {StateDirectory.Variable} to a folder you can write to.";
            _warning = text;
            Trace.TraceWarning(text);
        }
    }

    /// <summary>Serializes a line per generation given, then the run's line (last: see <see cref="RecordLog.HasEnded"/>). Called under the gate.</summary>
    private byte[] Lines(IEnumerable<GenerationRecord> generations, bool newline)
    {
        using var buffer = new MemoryStream();
        if (newline)
        {
            buffer.WriteByte((byte)'\n');
        }

        foreach (var generation in generations)
        {
            buffer.Write(RecordLog.Line(new RecordLine { Generation = generation }));
        }

        buffer.Write(RecordLog.RunLine(_run));
        return buffer.ToArray();
    }
}
