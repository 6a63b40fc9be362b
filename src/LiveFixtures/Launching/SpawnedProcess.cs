using LiveFixtures.Containment;
using LiveFixtures.Output;

namespace LiveFixtures.Launching;

/// <summary>One started generation: the OS process, its identity, its ports and its output.</summary>
internal sealed class SpawnedProcess : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _leases;
    private readonly DrainProgress _stdoutProgress = new();
    private readonly DrainProgress _stderrProgress = new();
    private ulong _kernelStartTime;

    public SpawnedProcess(NativeChild child, GenerationBox box, int generation, string cookie, IReadOnlyList<IDisposable> leases, OutputLog output, string? workspace, DateTimeOffset startedAt)
    {
        Child = child;
        Box = box;
        Pid = child.Pid;
        Generation = generation;
        Cookie = cookie;
        _leases = leases;
        Output = output;
        WorkspacePath = workspace;
        StartedAt = startedAt;
        Drains = Task.WhenAll(
            Task.Run(() => PipeDrain.RunAsync(child.StandardOutput, OutputSource.StdOut, output, _stdoutProgress)),
            Task.Run(() => PipeDrain.RunAsync(child.StandardError, OutputSource.StdErr, output, _stderrProgress)));
    }

    /// <summary>The name of the environment variable every generation and its descendants carry.</summary>
    public const string CookieVariable = "LIVEFIXTURES_COOKIE";

    /// <summary>Gets the root process, held by a pidfd and reaped only by its own watcher.</summary>
    public NativeChild Child { get; }

    /// <summary>Gets what contains the generation's processes (a cgroup, or the group and session with the host as subreaper).</summary>
    public GenerationBox Box { get; }

    public int Pid { get; }

    public int Generation { get; }

    public string Cookie { get; }

    public Dictionary<string, int> Ports { get; init; } = [];

    /// <summary>Gets or sets how the handle judged this generation ended (exit, degrade, failed start), once decided.</summary>
    public DeathRecord? EndRecord { get; set; }

    /// <summary>Gets or sets the report of the termination, once the generation has been ended and disposed.</summary>
    public StopReport? Termination { get; set; }

    /// <summary>Gets the probe state of this generation.</summary>
    public Health.ProbeState? ProbeState { get; set; }

    /// <summary>Completes with the record of the OS exit, for <c>WhenExited</c> and waits.</summary>
    public TaskCompletionSource<DeathRecord> ExitRecord { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public OutputLog Output { get; }

    public string? WorkspacePath { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Gets the program and arguments it was started with (placeholders resolved), for the run record.</summary>
    public IReadOnlyList<string> Argv { get; init; } = [];

    /// <summary>Gets whether the process runs as the leader of its own process group.</summary>
    public bool OwnGroup { get; init; }

    /// <summary>Completes with the exit code the moment the process exits (seen on its pidfd, not through the pipes).</summary>
    public Task<int> Exited => Child.Exited;

    /// <summary>Completes when both output pipes reached their end.</summary>
    public Task Drains { get; }

    public bool HasExited => Child.Exited.IsCompleted;

    /// <summary>
    /// Waits until what the process wrote has been read and logged: the drains ended, or nothing is left unread in the
    /// pipes and both drains have been waiting for bytes, with no read finished, for a quiet moment (a descendant may
    /// keep the pipes open for good, which must not delay a death record or a respawn for longer than
    /// <paramref name="limit"/>).
    /// </summary>
    public async Task OutputSettledAsync(TimeSpan limit)
    {
        // A read that returned an instant ago may not have told its progress yet: the quiet moment covers that.
        var quiet = TimeSpan.FromMilliseconds(3);
        var started = TimeProvider.System.GetTimestamp();
        long? readsWhenQuiet = null;
        long quietSince = 0;
        while (!Drains.IsCompleted && TimeProvider.System.GetElapsedTime(started) < limit)
        {
            var reads = _stdoutProgress.Reads + _stderrProgress.Reads;
            var idle = !Child.OutputPending && _stdoutProgress.Waiting && _stderrProgress.Waiting;
            if (!idle || readsWhenQuiet != reads)
            {
                readsWhenQuiet = idle ? reads : null;
                quietSince = TimeProvider.System.GetTimestamp();
            }
            else if (TimeProvider.System.GetElapsedTime(quietSince) >= quiet)
            {
                return;
            }

            // Real time: the drain threads catching up with bytes already in the pipe.
            await Task.WhenAny(Drains, Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks the kernel now whether the root is alive (not a zombie, not being torn down, no SIGKILL pending, same start time).
    /// </summary>
    /// <returns>What the kernel says; <see cref="Health.KernelState.Gone"/> once the exit was seen.</returns>
    public Health.KernelState ReadKernelState() =>
        HasExited ? Health.KernelState.Gone : Health.KernelLiveness.Read(Pid, ref _kernelStartTime);

    public void Dispose()
    {
        foreach (var lease in _leases)
        {
            lease.Dispose();
        }

        Child.Dispose();
        Box.Dispose();
        Watchdog.RunWatchdog.Ended(Cookie);
    }
}
