using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using LiveFixtures.Output;
using LiveFixtures.Platform;

namespace LiveFixtures.Launching;

/// <summary>
/// Starts one generation of a process from its spec: resolves the executable, ports, placeholders,
/// the workspace and the log file, marks it with a cookie and starts it in its own process group.
/// This is the seam for running the app elsewhere later.
/// </summary>
internal sealed class Launcher(LaunchSpec spec, IProcessTable table)
{
    private static readonly string RunId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LogOwners = new(StringComparer.Ordinal);

    /// <summary>Tells two handles of the same name apart (parallel class fixtures of one type share a name).</summary>
    private readonly string _handleId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    public SpawnedProcess Spawn(int generation)
    {
        var name = spec.DisplayName;
        var leases = new List<PortLease>();
        string? workspace = null;
        OutputLog? log = null;
        Process? process = null;
        var started = false;
        try
        {
            var ports = AllocatePorts(name, generation, leases);
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
            var info = CreateStartInfo(executable, Resolve, workingDirectory, cookie, out var ownGroup);
            log = CreateLog(name, generation);
            var startedAt = spec.Time.GetUtcNow();
            process = new Process { StartInfo = info, EnableRaisingEvents = true };
            try
            {
                started = process.Start();
            }
            catch (Win32Exception e)
            {
                throw new LiveProcessStartException($"LiveProcess '{name}' could not start generation {generation}: the OS refused to run {executable}: {e.Message}. Check that it is a program for this OS and that you may run it.", null, e) { ProcessName = name };
            }

            return new SpawnedProcess(process, generation, cookie, leases, log, workspace, startedAt)
            {
                Ports = ports,
                OwnGroup = ownGroup,
            };
        }
        catch
        {
            // Nothing of a failed start outlives it, whatever was thrown: not the process, its port claims, its log
            // file or its workspace (there is nothing in it to inspect: the app never ran, or ran for no time).
            Abandon(process, started);
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

    private static void Abandon(Process? process, bool started)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (started)
            {
                // Our own child, not yet reaped by anyone: the pid is still the one we started.
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
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

    private Dictionary<string, int> AllocatePorts(string name, int generation, List<PortLease> leases)
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

                leases.Add(PortLease.Fixed(fixedPort));
                ports[port.Name] = fixedPort;
            }
            else
            {
                var lease = PortLease.AllocateFree();
                leases.Add(lease);
                ports[port.Name] = lease.Port;
            }
        }

        return ports;
    }

    private PortInUseException PortBusy(string name, int generation, string portName, int port)
    {
        var holder = table.FindListener(port);
        var who = holder is null
            ? "by a process this user cannot see"
            : $"by pid {holder.Pid} ({holder.CommandLine})";
        var fix = holder is null
            ? $"Find it with 'ss -ltnp sport = :{port}' and stop it, or let LiveFixtures pick a free port with WithPort(\"{portName}\")."
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

    private ProcessStartInfo CreateStartInfo(string executable, Func<string, string> resolve, string? workingDirectory, string cookie, out bool ownGroup)
    {
        ownGroup = spec.ProcessGroup && table.SupportsProcessGroups && OperatingSystem.IsLinux();
        var info = new ProcessStartInfo
        {
            FileName = ownGroup ? LinuxSetsid() : executable,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        if (ownGroup)
        {
            // setsid execs the app in place (same pid) as leader of a new session and process group.
            info.ArgumentList.Add(executable);
        }

        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(resolve(argument));
        }

        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = resolve(value);
            }
        }

        info.Environment[SpawnedProcess.CookieVariable] = cookie;
        return info;
    }

    private static string LinuxSetsid() => OperatingSystem.IsLinux() ? LinuxProcessTable.SetsidPath : throw new PlatformNotSupportedException();

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
