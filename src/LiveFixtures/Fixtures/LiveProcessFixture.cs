using Xunit;

namespace LiveFixtures;

/// <summary>
/// Shares one live process with a scope of tests: subclass it, override <see cref="Configure"/>, and use the
/// subclass as an assembly fixture (<c>[assembly: AssemblyFixture(typeof(T))]</c>), a collection fixture
/// (<c>ICollectionFixture&lt;T&gt;</c> with <c>[Collection]</c>) or a class fixture (<c>IClassFixture&lt;T&gt;</c>,
/// one process per test class). The process respawns lazily when a test needs it and it is dead or degraded,
/// and the first test on a new generation is told what happened to the last one.
/// </summary>
public abstract partial class LiveProcessFixture : IAsyncLifetime
{
    private readonly Lock _lock = new();
    private LiveProcess? _process;
    private Exception? _unavailable;
    private Exception? _startFailure;
    private LiveGeneration? _seen;
    private HttpClient? _http;
    private readonly List<HttpClient> _retiredClients = [];
    private int _httpGeneration;

    /// <summary>Gets the name used in notices and attachments; default the class name without "Fixture".</summary>
    public virtual string Name
    {
        get
        {
            var name = GetType().Name;
            return name.Length > "Fixture".Length && name.EndsWith("Fixture", StringComparison.Ordinal) ? name[..^"Fixture".Length] : name;
        }
    }

    /// <summary>Gets whether the process is started when the fixture is created (so a start failure shows once, up front).</summary>
    /// <value>Default true; false starts it on the first <see cref="EnsureReadyAsync"/>.</value>
    protected virtual bool StartOnInitialize => true;

    /// <summary>Gets whether tests that need the process are skipped (with the cause) when it cannot start, instead of failing.</summary>
    /// <value>Default false.</value>
    protected virtual bool SkipWhenUnavailable => false;

    /// <summary>Gets whether each guarded test's output slice is attached even when it passes.</summary>
    /// <value>Default false: attached for failed tests and for tests during which the process died.</value>
    public virtual bool AttachOutputAlways => false;

    /// <summary>Gets whether every guarded test gets a new process (stopped after it).</summary>
    /// <value>Default false.</value>
    public virtual bool FreshPerTest => false;

    /// <summary>Gets the handle.</summary>
    /// <exception cref="LiveFixtureUnavailableException">The handle could not be built (bad configuration).</exception>
    public LiveProcess Process => _process ?? throw Unavailable();

    /// <summary>Gets the current generation (pid, ports, base address); call <see cref="EnsureReadyAsync"/> first in a test.</summary>
    /// <exception cref="InvalidOperationException">No generation is ready.</exception>
    /// <exception cref="LiveFixtureUnavailableException">The process could not be started when the fixture was created.</exception>
    public LiveGeneration Generation =>
        _unavailable is not null ? throw Unavailable() :
        Process.Current ?? throw (Volatile.Read(ref _startFailure) is not null ? (Exception)Unavailable() : new InvalidOperationException($"'{Name}' has no ready generation: await EnsureReadyAsync() first (a guarded test does this for you)."));

    /// <summary>
    /// Gets an HTTP client for the current generation's base address; a new generation gets a new client. The client of an
    /// older generation is disposed only when the fixture is, so a parallel test still using it gets the death's own error
    /// (connection refused), never an <see cref="ObjectDisposedException"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No generation is ready, or the process has no base address.</exception>
    public HttpClient Http
    {
        get
        {
            var generation = Generation;
            var baseAddress = generation.BaseAddress
                ?? throw new InvalidOperationException($"'{Name}' has no base address: add WithBaseAddress(\"http://127.0.0.1:{{port}}/\") in Configure.");
            lock (_lock)
            {
                if (_http is null || _httpGeneration != generation.Number)
                {
                    if (_http is not null)
                    {
                        _retiredClients.Add(_http);
                    }

                    _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
                    _httpGeneration = generation.Number;
                }

                return _http;
            }
        }
    }

    /// <summary>
    /// Returns a ready generation, respawning a dead or degraded one; when it is new after a death, tells the
    /// current test which test killed the previous generation and how.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait; default the current test's token.</param>
    /// <returns>The ready generation.</returns>
    /// <exception cref="LiveFixtureUnavailableException">The process could not be started when the fixture was created, nor again for this call (each call tries again, within the restart budget).</exception>
    /// <exception cref="LiveProcessFaultedException">The restart budget is used up: fails at once.</exception>
    public async Task<LiveGeneration> EnsureReadyAsync(CancellationToken cancellationToken = default) =>
        (await EnsureReadyWithNoticeAsync(cancellationToken).ConfigureAwait(false)).Generation;

    /// <summary>Ensures a ready generation and returns the respawn notice this call gave the current test, if it gave one.</summary>
    internal async Task<(LiveGeneration Generation, string? Notice)> EnsureReadyWithNoticeAsync(CancellationToken cancellationToken)
    {
        var process = Process;
        if (_unavailable is not null)
        {
            throw Unavailable();
        }

        LiveGeneration generation;
        try
        {
            generation = await process.EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LiveProcessStartException or LiveProcessFaultedException && Volatile.Read(ref _startFailure) is not null)
        {
            // The start failed when the fixture was created and again now: the handle tried once more (within its restart
            // budget; past it, it fails at once), so a flaky first start does not fail every later test.
            Volatile.Write(ref _startFailure, e);
            throw Unavailable();
        }

        Volatile.Write(ref _startFailure, null);
        LiveGeneration? before;
        lock (_lock)
        {
            before = _seen;
            if (_seen is null || generation.Number > _seen.Number)
            {
                _seen = generation;
            }
            else
            {
                before = null;
            }
        }

        string? notice = null;
        if (before is not null && generation.Previous is { Cause: not DeathCause.Stopped } previous)
        {
            notice = Notices.Respawned(Name, previous, generation, before.Number == previous.Generation ? before : null);
        }

        // What an earlier run left running and this run's first start did about it: told to the first test that uses the fixture.
        if (TestContext.Current.Test is not null && process.TakeLeftoverNotice() is { } leftovers)
        {
            var told = Notices.Leftovers(Name, leftovers, generation);
            notice = notice is null ? told : notice + Environment.NewLine + told;
        }

        // A store that cannot be written costs one warning, never a failed test.
        if (TestContext.Current.Test is not null && process.Recorder.TakeWarning() is { } unwritten)
        {
            TestContext.Current.AddWarning(unwritten);
        }

        return (generation, notice);
    }

    /// <summary>Configures the process: set the command, arguments, ports, probes and budget on the builder.</summary>
    /// <param name="builder">A builder already named after the fixture.</param>
    /// <returns>The configured builder.</returns>
    protected abstract LiveProcessBuilder Configure(LiveProcessBuilder builder);

    /// <inheritdoc/>
    public virtual async ValueTask InitializeAsync()
    {
        RunSummary.PrintAtExit();
        try
        {
            _process = Configure(new LiveProcessBuilder().WithName(Name)).Build();
            _process.StateChanged += (_, e) => Notices.Diagnostic(Name, e);
        }
        catch (LiveProcessConfigurationException e)
        {
            _unavailable = e;
            return;
        }

        if (!StartOnInitialize)
        {
            return;
        }

        try
        {
            _seen = await _process.EnsureReadyAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
        catch (LiveProcessStartException e)
        {
            // Kept, not final: the next test that needs the process tries again (within the restart budget), and gets
            // this cause, or the new one, (or a skip) only if that start fails too.
            _startFailure = e;
            TestContext.Current.SendDiagnosticMessage($"{Name}: could not start: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_process is not null)
        {
            using (var limit = new CancellationTokenSource(_process.TeardownLimit, TimeProvider.System))
            {
                try
                {
                    var report = await _process.StopAsync(cancellationToken: limit.Token).ConfigureAwait(false);
                    TestContext.Current.SendDiagnosticMessage($"{Name}: {report}");
                    if (RunHealth.Snapshot(Name) is { } health)
                    {
                        TestContext.Current.SendDiagnosticMessage($"{Name}: so far in this run: {health.Summary()}");
                    }
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested)
                {
                    TestContext.Current.SendDiagnosticMessage($"{Name}: the handle stayed busy for {_process.TeardownLimit.TotalSeconds:0} s, so its process is killed without the graceful stop.");
                }
            }

            // Kills what is left without the gate when the gate cannot be had in time.
            await _process.DisposeAsync().ConfigureAwait(false);
        }

        lock (_lock)
        {
            _http?.Dispose();
            foreach (var client in _retiredClients)
            {
                client.Dispose();
            }

            _retiredClients.Clear();
        }
    }

    private LiveFixtureUnavailableException Unavailable()
    {
        var startFailure = Volatile.Read(ref _startFailure);
        var cause = _unavailable ?? startFailure ?? new InvalidOperationException("The fixture was not initialized: xUnit calls InitializeAsync; when you create it by hand, await InitializeAsync() first.");
        var message = _unavailable is null && startFailure is not null
            ? $"'{Name}' is unavailable: its process could not be started when the fixture was created, nor when this test asked for it (each test that needs it tries again, within the restart budget).{Environment.NewLine}{cause.Message}"
            : $"'{Name}' is unavailable: its process could not be started when the fixture was created, so no test that needs it can run.{Environment.NewLine}{cause.Message}";
        return SkipWhenUnavailable
            ? new LiveFixtureUnavailableException(Xunit.v3.DynamicSkipToken.Value + message, cause)
            : new LiveFixtureUnavailableException(message, cause);
    }
}
