using System.Diagnostics;
using LiveFixtures.Output;

namespace LiveFixtures.Launching;

/// <summary>One started generation: the OS process, its identity, its ports and its output.</summary>
internal sealed class SpawnedProcess : IDisposable
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IReadOnlyList<PortLease> _leases;
    private ulong _kernelStartTime;

    public SpawnedProcess(Process process, int generation, string cookie, IReadOnlyList<PortLease> leases, OutputLog output, string? workspace, DateTimeOffset startedAt)
    {
        Process = process;
        Pid = process.Id;
        Generation = generation;
        Cookie = cookie;
        _leases = leases;
        Output = output;
        WorkspacePath = workspace;
        StartedAt = startedAt;
        process.Exited += (_, _) => _exited.TrySetResult(ReadExitCode());
        if (process.HasExited)
        {
            _exited.TrySetResult(ReadExitCode());
        }

        Drains = Task.WhenAll(
            Task.Run(() => PipeDrain.RunAsync(process.StandardOutput.BaseStream, OutputSource.StdOut, output)),
            Task.Run(() => PipeDrain.RunAsync(process.StandardError.BaseStream, OutputSource.StdErr, output)));
    }

    /// <summary>The name of the environment variable every generation and its descendants carry.</summary>
    public const string CookieVariable = "LIVEFIXTURES_COOKIE";

    public Process Process { get; }

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

    /// <summary>Gets whether the process runs as the leader of its own process group.</summary>
    public bool OwnGroup { get; init; }

    /// <summary>Completes with the exit code the moment the process exits.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Completes when both output pipes reached their end.</summary>
    public Task Drains { get; }

    public bool HasExited => _exited.Task.IsCompleted;

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

        try
        {
            Process.StandardInput.Dispose();
        }
        catch (IOException)
        {
        }

        Process.Dispose();
    }

    private int ReadExitCode()
    {
        try
        {
            return Process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
