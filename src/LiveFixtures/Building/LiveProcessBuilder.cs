using LiveFixtures.Health;
using LiveFixtures.Launching;
using LiveFixtures.Platform;
using LiveFixtures.Respawn;

namespace LiveFixtures;

/// <summary>
/// Describes an external process and builds the <see cref="LiveProcess"/> handle that owns it.
/// Immutable: every <c>With*</c> method returns a changed copy, so a builder can be shared and varied.
/// </summary>
/// <example>
/// <code>
/// var app = new LiveProcessBuilder("dotnet")
///     .WithArguments("MyApp.dll", "--port", "{port}")
///     .WithPort()
///     .WithBaseAddress("http://127.0.0.1:{port}/")
///     .WithReadiness(Probe.Http("/health"))
///     .WithLiveness(Probe.Http("/health"))
///     .Build();
/// var generation = await app.EnsureReadyAsync();
/// </code>
/// </example>
public sealed partial class LiveProcessBuilder
{
    private readonly LaunchSpec _spec;

    /// <summary>Initializes a builder for <paramref name="command"/>: a path, or a program name looked up on PATH.</summary>
    /// <param name="command">The executable; never a shell string.</param>
    public LiveProcessBuilder(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        _spec = new LaunchSpec { Command = command };
    }

    /// <summary>Initializes an empty builder; set the executable with <see cref="WithCommand"/> (fixtures hand this to their Configure hook).</summary>
    public LiveProcessBuilder()
    {
        _spec = new LaunchSpec();
    }

    private LiveProcessBuilder(LaunchSpec spec) => _spec = spec;

    /// <summary>Sets the executable: a path, or a program name looked up on PATH; never a shell string.</summary>
    /// <param name="command">The executable.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithCommand(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new(_spec with { Command = command });
    }

    /// <summary>Sets the name used in every message and log file name.</summary>
    /// <param name="name">The name; default the executable's file name.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(_spec with { Name = name });
    }

    /// <summary>Sets the argument list (not a shell string); each argument may use placeholders such as <c>{port}</c>.</summary>
    /// <param name="arguments">The arguments, replacing any set before.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithArguments(params IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return new(_spec with { Arguments = [.. arguments] });
    }

    /// <summary>Sets the working directory (placeholders allowed).</summary>
    /// <param name="path">The directory; default the test process's current directory.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithWorkingDirectory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return new(_spec with { WorkingDirectory = path });
    }

    /// <summary>Sets an environment variable for the process (placeholders allowed), or removes it when <paramref name="value"/> is null.</summary>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value, or null to remove the variable.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithEnvironment(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new(_spec with { Environment = _spec.Environment.SetItem(name, value) });
    }

    /// <summary>Asks for a fresh state directory per generation, usable as <c>{workspace}</c>; deleted after a clean stop, kept after a death.</summary>
    /// <param name="asWorkingDirectory">Whether to also run the process in it.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithWorkspace(bool asWorkingDirectory = false) =>
        new(_spec with { Workspace = true, WorkspaceAsWorkingDirectory = asWorkingDirectory });

    /// <summary>Sets the app's base address template, such as <c>http://127.0.0.1:{port}/</c>; HTTP probes may then use paths.</summary>
    /// <param name="template">The template.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithBaseAddress(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new(_spec with { BaseAddress = template });
    }

    /// <summary>Sets the readiness probe: what must pass before a generation counts as started.</summary>
    /// <param name="probe">The probe; default none (ready as soon as the process runs).</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithReadiness(IProbe probe)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return new(_spec with { Readiness = probe });
    }

    /// <summary>Sets the liveness probe, which tells Ready from Degraded (alive but failing) between uses.</summary>
    /// <param name="probe">The probe; default none (only an exit counts as a death).</param>
    /// <param name="timeout">How long one attempt may take before it counts as "no answer"; default 2 s. A check makes up to
    /// 3 attempts (see <see cref="LivenessOptions"/>) before the app is Degraded.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithLiveness(IProbe probe, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        return new(_spec with { Liveness = probe, LivenessTimeout = timeout ?? _spec.LivenessTimeout });
    }

    /// <summary>
    /// Sets the liveness probe and how a check tells slow from hung: up to <see cref="LivenessOptions.FailureThreshold"/>
    /// attempts, each of at most <see cref="LivenessOptions.Timeout"/>, must all fail before the app is Degraded.
    /// </summary>
    /// <param name="probe">The probe; default none (only an exit counts as a death).</param>
    /// <param name="options">The attempt timeout, failure threshold and retry interval; checked at <see cref="Build"/>.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithLiveness(IProbe probe, LivenessOptions options)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Copy();
        return new(_spec with
        {
            Liveness = probe,
            LivenessTimeout = copy.Timeout,
            LivenessFailureThreshold = copy.FailureThreshold,
            LivenessRetryInterval = copy.RetryInterval,
        });
    }

    /// <summary>
    /// Sets a settle window after each guarded test: the check after the test waits up to <paramref name="window"/> for
    /// the process to exit before it judges it, so that an app that exits shortly after answering (a delayed crash)
    /// is recorded against the test that caused it, not found by the next test.
    /// </summary>
    /// <param name="window">Default zero (no wait); at most 10 s. Every guarded test whose process does not die pays
    /// the whole window, so keep it short (the test app exits 20 ms after answering /crash: 100 ms covers it).</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithSettleAfterTest(TimeSpan window) => new(_spec with { SettleAfterTest = window });

    /// <summary>Sets whether <see cref="LiveProcess.EnsureReadyAsync"/> probes liveness before returning a ready generation.</summary>
    /// <param name="enabled">Default true.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithLivenessCheckOnEnsure(bool enabled) => new(_spec with { CheckLivenessOnEnsure = enabled });

    /// <summary>Sets how long a generation may take to become ready.</summary>
    /// <param name="timeout">Default 60 s; must be positive.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithStartupTimeout(TimeSpan timeout) => new(_spec with { StartupTimeout = timeout });

    /// <summary>
    /// Sets the pauses between readiness attempts of a polled probe (not an output-line probe, which waits for lines): from
    /// <paramref name="first"/>, each pause half as long again as the one before, up to <paramref name="max"/>. A line the
    /// process writes also starts the next attempt at once.
    /// </summary>
    /// <param name="first">Default 1 ms.</param>
    /// <param name="max">Default 10 ms: an app that listens is seen about 5 ms later on average, for about 100 cheap attempts a second while it starts.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithReadinessBackoff(TimeSpan first, TimeSpan max) =>
        new(_spec with { ReadinessFirstDelay = first, ReadinessMaxDelay = max });

    /// <summary>
    /// Sets how often a start that failed in a way that is usually transient is retried at once with fresh ports, without
    /// charging the restart budget: the app printed a bind error (address in use: a port taken between the lease and the
    /// app's bind), or it exited with a code other than 0 within <paramref name="quickExit"/> of being started (an exit with 0 is
    /// the app's own decision, such as printing its usage or daemonizing, and is not retried). When every attempt fails, the
    /// failure lists them all. A start that times out is not retried.
    /// </summary>
    /// <param name="maxRetries">Default 2 (three attempts in all); 0 to 10; 0 turns retries off.</param>
    /// <param name="quickExit">An exit this soon after the start counts as transient; default 1 s, at most 60 s.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithStartRetries(int maxRetries, TimeSpan? quickExit = null) =>
        new(_spec with { StartRetries = maxRetries, StartRetryQuickExit = quickExit ?? _spec.StartRetryQuickExit });

    /// <summary>Sets the restart budget: at most <paramref name="maxRespawns"/> respawns within <paramref name="window"/>.</summary>
    /// <param name="maxRespawns">Default 3.</param>
    /// <param name="window">Default 60 s.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithRestartBudget(int maxRespawns, TimeSpan window) =>
        new(_spec with { RestartBudget = new RestartBudget(maxRespawns, window) });

    /// <summary>Sets how long a stop waits after SIGTERM before it kills.</summary>
    /// <param name="grace">Default 5 s; zero kills at once.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithStopGrace(TimeSpan grace) => new(_spec with { StopGrace = grace });

    /// <summary>Sets how much output is kept per generation, and how many lines messages show.</summary>
    /// <param name="maxLines">Lines kept; default 2,000.</param>
    /// <param name="maxCharacters">Characters kept; default 1,048,576.</param>
    /// <param name="tailLines">Lines shown in messages; default 50.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithOutputLimits(int maxLines = 2000, long maxCharacters = 1024 * 1024, int tailLines = 50) =>
        new(_spec with { OutputMaxLines = maxLines, OutputMaxCharacters = maxCharacters, OutputTailLines = tailLines });

    /// <summary>Writes the full output of each generation to <c>{name}-gen{n}.log</c> in <paramref name="directory"/>.</summary>
    /// <param name="directory">The directory, created when missing; default none (no log files).</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithLogDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return new(_spec with { LogDirectory = directory });
    }

    /// <summary>Sets whether to start the process as the leader of a new session and process group (Linux), so that SIGTERM reaches its whole group and, without a cgroup, its descendants are found by group and session.</summary>
    /// <param name="enabled">Default true.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithProcessGroup(bool enabled) => new(_spec with { ProcessGroup = enabled });

    /// <summary>Sets the clock used for timestamps, timeouts, backoff and the restart budget.</summary>
    /// <param name="timeProvider">Default <see cref="TimeProvider.System"/>.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new(_spec with { Time = timeProvider });
    }

    /// <summary>Checks every setting and builds the handle; nothing is started until <see cref="LiveProcess.EnsureReadyAsync"/>.</summary>
    /// <returns>The handle.</returns>
    /// <exception cref="LiveProcessConfigurationException">Some settings are wrong; the message lists every problem with its fix.</exception>
    public LiveProcess Build()
    {
        var problems = BuilderValidation.Validate(_spec);
        return problems.Count > 0
            ? throw new LiveProcessConfigurationException(_spec.DisplayName, problems) { ProcessName = _spec.DisplayName }
            : new LiveProcess(_spec, ProcessTables.Current);
    }
}
