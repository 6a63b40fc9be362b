using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using LiveFixtures.Containment;
using LiveFixtures.Output;
using LiveFixtures.Platform;

namespace LiveFixtures.Launching;

/// <summary>
/// Starts one generation of a process from its spec: resolves the executable, ports, placeholders,
/// the workspace and the log file, marks it with a cookie and starts it in its own process group.
/// This is the seam for running the app elsewhere later.
/// </summary>
/// <remarks>
/// The machine-wide leases of a handle (a fixed port's, a single instance's) are held by its launcher, not by a
/// generation: taken at the first start, kept across respawns and stops, released by <see cref="Dispose"/> (the
/// handle's dispose) or by the kernel when the test host exits or dies. Another test host that waits for one cannot
/// take it between a respawn's stop and its start.
/// </remarks>
internal sealed class Launcher(LaunchSpec spec, IProcessTable table) : IDisposable
{
    private static readonly string RunId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LogOwners = new(StringComparer.Ordinal);

    /// <summary>Tells two handles of the same name apart (parallel class fixtures of one type share a name).</summary>
    private readonly string _handleId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    /// <summary>The machine-wide leases this handle holds, by name, until it is disposed.</summary>
    private readonly Dictionary<string, MachineLease> _held = new(StringComparer.Ordinal);
    private readonly Lock _heldGate = new();
    private bool _released;

    /// <summary>Gets the names of the machine-wide leases this handle holds now.</summary>
    public IReadOnlyList<string> HeldLeases
    {
        get { lock (_heldGate) { return [.. _held.Keys]; } }
    }

    /// <summary>
    /// Takes the machine-wide leases the spec needs (fixed ports, single instance) unless the handle holds them already,
    /// waiting (bounded) while another test host holds one, then starts the generation; its allocated ports avoid
    /// <paramref name="avoidPorts"/>. The leases stay with the handle, whatever becomes of the generation.
    /// </summary>
    public async Task<SpawnedProcess> SpawnAsync(int generation, IReadOnlyCollection<int>? avoidPorts, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var port in spec.Ports.Where(p => p.FixedPort is not null && !p.FromOutput))
            {
                var claim = PortLease.ClaimName(port.FixedPort!.Value);
                if (!Holds(claim))
                {
                    Keep(claim, await TakeLeaseAsync(claim, generation, string.Create(CultureInfo.InvariantCulture, $"port {port.FixedPort} ('{port.Name}')"), cancellationToken).ConfigureAwait(false)
                        ?? throw LeaseTimedOut(generation, port, null));
                }
            }

            if (spec.SingleInstance is { } key && MachineLease.InstancePrefix + Sanitize(key) is var instance && !Holds(instance))
            {
                Keep(instance, await TakeLeaseAsync(instance, generation, $"the single-instance lease '{key}'", cancellationToken).ConfigureAwait(false)
                    ?? throw LeaseTimedOut(generation, null, key));
            }
        }

        return Spawn(generation, avoidPorts);
    }

    /// <summary>Starts generation <paramref name="generation"/> without waiting for machine-wide leases; its allocated ports avoid <paramref name="avoidPorts"/>.</summary>
    public SpawnedProcess Spawn(int generation, IReadOnlyCollection<int>? avoidPorts = null)
    {
        var name = spec.DisplayName;
        var leases = new List<IDisposable>();

        string? workspace = null;
        OutputLog? log = null;
        try
        {
            var ports = AllocatePorts(name, generation, leases, avoidPorts);
            if (spec.Workspace)
            {
                workspace = CreateWorkspace(name, generation);
                StartFile.WriteAll(spec.Files, workspace, ports, generation);
            }

            string Resolve(string template) => Placeholders.Resolve(template, (key, arg) => key switch
            {
                "port" => ports.TryGetValue(arg ?? Health.PortNames.Default, out var p) ? p.ToString(CultureInfo.InvariantCulture) : null,
                "workspace" => workspace,
                "generation" => generation.ToString(CultureInfo.InvariantCulture),
                _ => null,
            });

            var workingDirectory = spec.WorkspaceAsWorkingDirectory ? workspace
                : spec.WorkingDirectory is null ? null : Resolve(spec.WorkingDirectory);
            if (workingDirectory is not null && !Directory.Exists(workingDirectory))
            {
                throw new LiveProcessStartException($"LiveProcess '{name}' could not start generation {generation}: the working directory {workingDirectory} does not exist. Create it, or fix WithWorkingDirectory.") { ProcessName = name };
            }

            var (executable, problem) = ExecutableResolver.Resolve(spec.Command, workingDirectory);
            if (executable is null)
            {
                throw new LiveProcessStartException($"LiveProcess '{name}' could not start generation {generation}: {problem}") { ProcessName = name };
            }

            var cookie = $"{RunId}-{Environment.ProcessId}-{Sanitize(name)}-g{generation}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
            log = CreateLog(name, generation);
            var (child, box) = Start(name, generation, executable, Resolve, workingDirectory, cookie, [.. ports.Values]);
            return new SpawnedProcess(child, box, generation, cookie, leases, log, workspace, spec.Time.GetUtcNow())
            {
                Ports = ports,
                OwnGroup = spec.ProcessGroup,
                Argv = [executable, .. spec.Arguments.Select(Resolve)],
            };
        }
        catch
        {
            // Nothing of a failed start outlives it, whatever was thrown: not the process (Start stops what it started
            // before it throws), its port claims, its log file or its workspace (there is nothing in it to inspect: the
            // app never ran, or ran for no time).
            foreach (var lease in leases)
            {
                lease.Dispose();
            }

            log?.Complete();
            if (workspace is not null)
            {
                TryDelete(workspace);
            }

            throw;
        }
    }

    private string CreateWorkspace(string name, int generation)
    {
        var workspace = Path.Combine(PrivateFolder.Get("workspaces"), $"{Sanitize(name)}-{RunId}-{Environment.ProcessId}-{_handleId}-gen{generation}");
        if (Directory.Exists(workspace))
        {
            Directory.Delete(workspace, recursive: true);
        }

        Directory.CreateDirectory(workspace);
        return workspace;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover folder in the user's own temp folder is harmless.
        }
    }

    /// <summary>Releases the machine-wide leases the handle holds: its dispose. Another test host waiting for one gets it.</summary>
    public void Dispose()
    {
        lock (_heldGate)
        {
            _released = true;
            foreach (var lease in _held.Values)
            {
                lease.Dispose();
            }

            _held.Clear();
        }
    }

    private bool Holds(string claim)
    {
        lock (_heldGate)
        {
            return _held.ContainsKey(claim);
        }
    }

    private void Keep(string claim, MachineLease lease)
    {
        lock (_heldGate)
        {
            if (!_released)
            {
                _held[claim] = lease;
                return;
            }
        }

        lease.Dispose();
        throw new ObjectDisposedException($"LiveProcess '{spec.DisplayName}'", "The handle was disposed while its start waited for a machine-wide lease; the lease was let go.");
    }

    private Dictionary<string, int> AllocatePorts(string name, int generation, List<IDisposable> leases, IReadOnlyCollection<int>? avoid)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var port in spec.Ports.Where(p => !p.FromOutput))
        {
            if (port.FixedPort is { } fixedPort)
            {
                if (!PortLease.IsFree(fixedPort))
                {
                    throw PortBusy(name, generation, port.Name, fixedPort);
                }

                // The handle holds the port's claim for its life (a wait for it is behind us); a generation started
                // without the wait claims it for itself.
                leases.Add(Holds(PortLease.ClaimName(fixedPort)) ? PortLease.OfHandle(fixedPort) : PortLease.Fixed(fixedPort));
                ports[port.Name] = fixedPort;
            }
            else
            {
                var lease = PortLease.AllocateFree(avoid);
                leases.Add(lease);
                ports[port.Name] = lease.Port;
            }
        }

        return ports;
    }

    private LeaseHolder? _lastHolder;

    private async Task<MachineLease?> TakeLeaseAsync(string claim, int generation, string what, CancellationToken cancellationToken)
    {
        var name = spec.DisplayName;
        var (lease, holder) = await MachineLease.TakeAsync(
            claim,
            MachineLease.DescribeThisHost($"LiveProcess '{name}', which holds it from its generation {generation} until it is disposed"),
            spec.MachineLeaseWait,
            spec.Time,
            holder => Tell($"LiveProcess '{name}' waits to start generation {generation}: {what} is held on this machine by {Who(holder)}. It starts as soon as that is released, or fails after {Seconds(spec.MachineLeaseWait)} (WithMachineLeaseWait)."),
            cancellationToken).ConfigureAwait(false);
        _lastHolder = holder;
        if (lease is not null && holder is not null)
        {
            Tell($"LiveProcess '{name}' got {what} after waiting for {Who(holder)}; generation {generation} starts now.");
        }

        return lease;
    }

    private Exception LeaseTimedOut(int generation, PortSpec? port, string? key)
    {
        var name = spec.DisplayName;
        var holder = _lastHolder;
        var who = holder is null ? "another process" : Who(holder);
        var wait = Seconds(spec.MachineLeaseWait);
        if (port is not null)
        {
            return new PortInUseException(
                $"LiveProcess '{name}' could not start generation {generation}: port {port.FixedPort} ('{port.Name}') is held on this machine by {who}, and it was not released within {wait}. "
                + $"Test assemblies that use the same fixed port cannot run at once: run them one after another ('dotnet test --max-parallel-test-modules 1'), raise the wait with WithMachineLeaseWait, or let LiveFixtures pick a free port with WithPort(\"{port.Name}\").",
                port.FixedPort!.Value,
                holder?.Pid,
                holder?.CommandLine)
            {
                ProcessName = name,
            };
        }

        return new LiveProcessStartException(
            $"LiveProcess '{name}' could not start generation {generation}: it may run only once on this machine (WithSingleInstance(\"{key}\")), and {who} held that lease for longer than {wait}. "
            + "Run the test assemblies that share it one after another ('dotnet test --max-parallel-test-modules 1'), or raise the wait with WithMachineLeaseWait.")
        {
            ProcessName = name,
        };
    }

    private static string Who(LeaseHolder holder) =>
        holder.Pid == Environment.ProcessId ? $"this test host itself ({holder.Description})" : holder.Description;

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s") : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0} ms");

    /// <summary>Tells the running test (its output and the diagnostics) and the trace about a wait.</summary>
    private static void Tell(string message)
    {
        System.Diagnostics.Trace.TraceInformation(message);
        try
        {
            Xunit.TestContext.Current.TestOutputHelper?.WriteLine(message);
            Xunit.TestContext.Current.SendDiagnosticMessage(message);
        }
        catch (InvalidOperationException)
        {
            // No test is running.
        }
    }

    private PortInUseException PortBusy(string name, int generation, string portName, int port)
    {
        var holder = table.FindListener(port);
        var self = holder is not null && holder.Pid == Environment.ProcessId;
        var who = holder is null
            ? "by a process this user cannot see"
            : self
                ? $"by this test host itself (pid {holder.Pid}: a socket opened in this process, by a test, a fixture or a server hosted in it)"
                : $"by pid {holder.Pid} ({holder.CommandLine})";
        var fix = holder is null
            ? $"Find it with 'ss -ltnp sport = :{port}' and stop it, or let LiveFixtures pick a free port with WithPort(\"{portName}\")."
            : self
                ? $"Close that socket before the process starts, give one of the two another port, or let LiveFixtures pick a free port with WithPort(\"{portName}\")."
                : $"If it is left over from an earlier run, stop it ('kill {holder.Pid}'); or let LiveFixtures pick a free port with WithPort(\"{portName}\").";
        return new PortInUseException(
            $"LiveProcess '{name}' could not start generation {generation}: port {port} ('{portName}') is already in use {who}. {fix}",
            port,
            holder?.Pid,
            holder?.CommandLine)
        {
            ProcessName = name,
        };
    }

    /// <summary>
    /// Starts the app inside its generation's box (a cgroup joined by the launch shim before the app runs, or the
    /// group and session it leads), as a new session's leader, held by a pidfd.
    /// </summary>
    private (NativeChild Child, GenerationBox Box) Start(string name, int generation, string executable, Func<string, string> resolve, string? workingDirectory, string cookie, int[] ports)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LiveProcessStartException($"LiveProcess '{name}' could not start generation {generation}: starting and containing a process tree is not supported on this OS ({System.Runtime.InteropServices.RuntimeInformation.OSDescription}); LiveFixtures runs apps on Linux. Run the tests on Linux (a container or WSL will do).") { ProcessName = name };
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                environment.Remove(key);
            }
            else
            {
                environment[key] = resolve(value);
            }
        }

        environment[SpawnedProcess.CookieVariable] = cookie;
        List<string> argv = [executable, .. spec.Arguments.Select(resolve)];

        // Before the run's containment is chosen: the fallback tier makes the host child subreaper, and the detached
        // watchdog must not be handed back to it.
        Watchdog.RunWatchdog.EnsureStarted();
        var box = RunContainment.Current.Create($"{name}-g{generation}", table, spec.ProcessGroup);
        box.Ports = ports;
        try
        {
            var (path, shimArgv) = box.Wrap(executable, argv);
            var directory = workingDirectory is null ? null : Path.GetFullPath(workingDirectory);
            if (directory is not null && !LinuxNative.CanSpawnInDirectory)
            {
                (path, shimArgv) = (CgroupBox.Shell, ["sh", "-c", "cd -- \"$1\" || exit 125; shift; exec \"$@\"", "livefixtures-shim", directory, path, .. shimArgv.Skip(1)]);
                directory = null;
            }

            if (path != executable && !ExecutableResolver.IsProgramFile(executable))
            {
                // Through a shell's exec, a file that is neither a binary nor a #! script would run as a shell script.
                throw new Win32Exception(8, "Exec format error");
            }

            var child = NativeChild.Start(path, shimArgv, environment, directory, newSession: spec.ProcessGroup);
            box.Attach(child, cookie);

            // The watchdog knows the generation before anyone else does: if the host dies now, it is still stopped.
            Watchdog.RunWatchdog.Started(new Watchdog.WatchedGeneration(
                cookie, child.Pid, ProcFs.Stat(child.Pid)?.StartTicks ?? 0, box.Tier, (box as CgroupBox)?.Directory, spec.ProcessGroup ? child.Pid : 0, name, generation)
            {
                Ports = ports,
            });
            return (child, box);
        }
        catch (Win32Exception e)
        {
            box.Dispose();
            throw new LiveProcessStartException($"LiveProcess '{name}' could not start generation {generation}: the OS refused to run {executable}: {e.Message}. Check that it is a program for this OS and that you may run it.", null, e) { ProcessName = name };
        }
        catch
        {
            box.Dispose();
            throw;
        }
    }

    private OutputLog CreateLog(string name, int generation)
    {
        TextWriter? file = null;
        string? path = null;
        if (spec.LogDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            path = Path.Combine(dir, $"{Sanitize(name)}-gen{generation}.log");
            if (LogOwners.GetOrAdd(path, _handleId) != _handleId)
            {
                // Another handle of the same name in this run writes that file: keep both logs whole.
                path = Path.Combine(dir, $"{Sanitize(name)}-{_handleId}-gen{generation}.log");
            }

            file = new StreamWriter(path, append: false) { AutoFlush = true };
        }

        return new OutputLog(generation, spec.OutputMaxLines, spec.OutputMaxCharacters, spec.Time, file) { FilePath = path };
    }

    private static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
