using LiveFixtures.Health;
using LiveFixtures.Launching;
using LiveFixtures.Output;
using LiveFixtures.Platform;
using LiveFixtures.Respawn;

namespace LiveFixtures;

/// <summary>
/// Owns an external process: starts it, knows whether it is ready, degraded or dead, respawns it
/// lazily through <see cref="EnsureReadyAsync"/>, and stops it without leaving anything behind.
/// </summary>
/// <remarks>Create one with <see cref="LiveProcessBuilder"/>. Thread-safe.</remarks>
public sealed partial class LiveProcess : IAsyncDisposable
{
    private readonly LaunchSpec _spec;
    private readonly IProcessTable _table;
    private readonly Launcher _launcher;
    private readonly RespawnLedger _ledger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _stateLock = new();
    private readonly List<(string Name, DateTimeOffset Started)> _runningTests = [];
    private (string Name, DateTimeOffset Ended)? _lastEnded;
    private bool _testsTracked;
    private SpawnedProcess? _current;
    private LiveGeneration? _currentInfo;
    private LiveProcessState _state = LiveProcessState.NotStarted;
    private int _generation;
    private int _disposed;
    private string? _lastCaller;
    private int _startAttempts;
    private int _finishedAttempts;
    private (int Attempt, LiveProcessStartException Error)? _lastStartFailure;

    /// <summary>How long a respawn or a check waits for an exited generation's record before making it itself.</summary>
    private static readonly TimeSpan ExitRecordLimit = TimeSpan.FromSeconds(5);

    internal LiveProcess(LaunchSpec spec, IProcessTable table)
    {
        _spec = spec;
        _table = table;
        _launcher = new Launcher(spec, table);
        _ledger = new RespawnLedger(spec.RestartBudget, spec.Time);
        TrackOpen(this);
    }

    /// <summary>
    /// Occurs when the state changes, on the thread that changed it, often while the handle's gate is held: keep
    /// handlers short and never call back into the handle synchronously. Exceptions from handlers are ignored.
    /// </summary>
    public event EventHandler<LiveProcessStateChangedEventArgs>? StateChanged;

    /// <summary>Gets the name of the process, used in every message.</summary>
    public string Name => _spec.DisplayName;

    /// <summary>Gets the current state.</summary>
    public LiveProcessState State
    {
        get { lock (_stateLock) { return _state; } }
    }

    /// <summary>Gets the current generation, or null before the first start and after a stop.</summary>
    public LiveGeneration? Current
    {
        get { lock (_stateLock) { return _currentInfo; } }
    }

    /// <summary>Gets the process id of the current generation while its process runs (also while it is starting), else null.</summary>
    public int? ProcessId
    {
        get { lock (_stateLock) { return _current is { HasExited: false } current ? current.Pid : null; } }
    }

    /// <summary>Gets the output of the current (or last) generation, or null before the first start.</summary>
    public OutputLog? Output
    {
        get { lock (_stateLock) { return (_current ?? _last)?.Output; } }
    }

    /// <summary>Gets every death recorded by this handle, oldest first.</summary>
    public IReadOnlyList<DeathRecord> Deaths
    {
        get { lock (_stateLock) { return [.. _ledger.Deaths]; } }
    }

    /// <summary>Gets how many generations have been started.</summary>
    public int GenerationCount => Volatile.Read(ref _generation);

    /// <summary>
    /// Marks <paramref name="testName"/> as running against this process until the result is disposed,
    /// so that a death in the meantime is recorded against it.
    /// </summary>
    /// <param name="testName">The test's display name.</param>
    /// <returns>A scope that ends the mark.</returns>
    public IDisposable TrackTest(string testName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(testName);
        var now = _spec.Time.GetUtcNow();
        lock (_stateLock)
        {
            _runningTests.Add((testName, now));
            _testsTracked = true;
        }

        return new TestScope(this, testName);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using (var limit = new CancellationTokenSource(TeardownLimit, TimeProvider.System))
        {
            try
            {
                await StopAsync(cancellationToken: limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                // The gate stayed taken past any bounded holder (a subscriber blocked in StateChanged): kill what runs
                // rather than wait forever or leave it behind.
                KillNow();
            }
        }

        // The machine-wide leases (fixed ports, single instance) were the handle's, kept across respawns: another test
        // host waiting for one gets it now.
        _launcher.Dispose();
        ForgetOpen(this);
        if (_recorder is { } recorder)
        {
            await recorder.FlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gets how long teardown (the after-test check, dispose) waits for the gate: the longest one bounded holder keeps it
    /// (a start that times out, then its stop, or two liveness checks that run out every attempt), with a margin.
    /// </summary>
    internal TimeSpan TeardownLimit => _spec.StartupTimeout + _spec.StopGrace + (2 * _spec.LivenessCheckLimit) + _spec.SettleAfterTest + TimeSpan.FromSeconds(20);

    /// <summary>
    /// Names the tests running against the process now. With none, the last caller of EnsureReadyAsync is named only when
    /// no test was ever tracked (the handle used without a guard); otherwise a death now is "between tests", never blamed on a
    /// caller that may have finished long ago.
    /// </summary>
    internal string? RunningTestName()
    {
        lock (_stateLock)
        {
            return _runningTests.Count > 0 ? string.Join(", ", _runningTests.Select(t => t.Name)) : _testsTracked ? null : _lastCaller;
        }
    }

    /// <summary>Tells what is known about the tests around <paramref name="at"/>: those in flight, and the last one that ended.</summary>
    internal TestTimeline CurrentBlame(DateTimeOffset at)
    {
        lock (_stateLock)
        {
            var latest = _runningTests.Count > 0 ? _runningTests.Max(t => t.Started) : (DateTimeOffset?)null;
            return new TestTimeline(
                [.. _runningTests.Select(t => t.Name)],
                latest is { } started ? Positive(at - started) : null,
                _lastEnded?.Name,
                _lastEnded is { } ended ? Positive(at - ended.Ended) : null);
        }

        static TimeSpan Positive(TimeSpan span) => span < TimeSpan.Zero ? TimeSpan.Zero : span;
    }

    private void SetState(LiveProcessState state, int generation, string? detail = null)
    {
        LiveProcessState previous;
        lock (_stateLock)
        {
            previous = _state;
            _state = state;
        }

        AnnounceState(previous, state, generation, detail);
    }

    /// <summary>
    /// Publishes how a generation ended together with the state it leaves the handle in, under one lock: whoever can read the
    /// record (a check, a wait, <see cref="Deaths"/>) already reads the state. The announcements follow outside the lock.
    /// </summary>
    /// <param name="spawned">The generation that ended.</param>
    /// <param name="record">How it ended.</param>
    /// <param name="state">The state it leaves the handle in.</param>
    /// <param name="counts">Whether the end is a death charged to the ledger (a retried start failure is not).</param>
    /// <param name="onlyIf">Checked under the lock: when false nothing is published and false is returned.</param>
    private bool PublishEnd(SpawnedProcess spawned, DeathRecord record, LiveProcessState state, bool counts, Func<bool>? onlyIf = null)
    {
        LiveProcessState previous;
        lock (_stateLock)
        {
            if (onlyIf is not null && !onlyIf())
            {
                return false;
            }

            spawned.EndRecord = record;
            if (counts)
            {
                _ledger.RecordDeath(record);
            }

            previous = _state;
            _state = state;
        }

        if (counts)
        {
            RecordDeath(spawned, record);
        }

        AnnounceState(previous, state, spawned.Generation, record.ToString());
        return true;
    }

    private void AnnounceState(LiveProcessState previous, LiveProcessState state, int generation, string? detail)
    {
        if (previous != state)
        {
            RecordState(state);
        }

        if (previous != state && DecisionTrace.IsOn)
        {
            DecisionTrace.Write("state", $"{Name} generation {generation}: {previous} -> {state}{(detail is null ? "" : ": " + detail)}");
        }

        if (previous != state && StateChanged is { } handlers)
        {
            var change = new LiveProcessStateChangedEventArgs(previous, state, generation, detail);
            foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<LiveProcessStateChangedEventArgs>>())
            {
                try
                {
                    handler(this, change);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A subscriber's failure must not stop the handle from recording a death or waking waiters.
                }
            }
        }
    }

    private static CancellationToken OrTestToken(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? cancellationToken : Xunit.TestContext.Current?.CancellationToken ?? default;

    /// <summary>What is known about the tests around a moment: those in flight, how long the latest had run, the last that ended.</summary>
    internal readonly record struct TestTimeline(IReadOnlyList<string> InFlight, TimeSpan? Into, string? Previous, TimeSpan? AfterPrevious);

    private sealed class TestScope(LiveProcess owner, string name) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                var now = owner._spec.Time.GetUtcNow();
                lock (owner._stateLock)
                {
                    var index = owner._runningTests.FindIndex(t => t.Name == name);
                    if (index >= 0)
                    {
                        owner._runningTests.RemoveAt(index);
                    }

                    owner._lastEnded = (name, now);
                }
            }
        }
    }
}
