using System.Diagnostics;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Containment;

/// <summary>Runs the LiveFixtures.HostExit program in a containment tier of the test's choosing (the tier is chosen once per process).</summary>
internal sealed class HostRun : IDisposable
{
    /// <summary>A path where no cgroup can be created: forces the fallback tier.</summary>
    public const string NoCgroup = "/proc/livefixtures-no-cgroup";

    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The temporary run store of a host given none (not the user's own), pruned and deleted on dispose.</summary>
    private readonly Records.TempStore? _store;

    private HostRun(string mode, string tier, string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(TestAppPaths.BuiltDll("LiveFixtures.HostExit"));
        info.ArgumentList.Add(mode);
        foreach (var argument in arguments)
        {
            if (argument.Split('=', 2) is [var name, var value] && name.StartsWith("LIVEFIXTURES_", StringComparison.Ordinal))
            {
                info.Environment[name] = value; // an environment variable for the host, not an argument
            }
            else
            {
                info.ArgumentList.Add(argument);
            }
        }

        if (!info.Environment.ContainsKey("LIVEFIXTURES_STATE_DIR"))
        {
            // Its records (and the workspaces and watchdog log they keep when the host is killed) go with the test.
            _store = new Records.TempStore();
            info.Environment["LIVEFIXTURES_STATE_DIR"] = _store.Store.Root;
        }

        if (tier == "fallback")
        {
            info.Environment["LIVEFIXTURES_CGROUP_ROOT"] = NoCgroup;
        }
        else
        {
            info.Environment.Remove("LIVEFIXTURES_CGROUP_ROOT");
        }

        Process = Process.Start(info)!;
        Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _ended.TrySetResult();
                return;
            }

            lock (_lines)
            {
                _lines.Add(e.Data);
            }
        };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Starts the host in <paramref name="mode"/>; <paramref name="tier"/> is "cgroup" (the machine's choice) or "fallback".</summary>
    public static HostRun Start(string mode, string tier, params string[] arguments) => new(mode, tier, arguments);

    /// <summary>
    /// Starts the host in <paramref name="mode"/> with its run records in <paramref name="store"/> and no watchdog (the
    /// next run's sweep is what these hosts are for; a watchdog would stop a SIGKILLed host's processes first).
    /// </summary>
    public static HostRun StartWithStore(string mode, string tier, string store, params string[] arguments) =>
        new(mode, tier, [$"LIVEFIXTURES_STATE_DIR={store}", "LIVEFIXTURES_WATCHDOG=off", .. arguments]);

    /// <summary>
    /// Starts the host in <paramref name="mode"/> with its run records in <paramref name="store"/> and its watchdog on
    /// (for tests that kill both).
    /// </summary>
    public static HostRun StartWithStoreAndWatchdog(string mode, string tier, string store, params string[] arguments) =>
        new(mode, tier, [$"LIVEFIXTURES_STATE_DIR={store}", .. arguments]);

    /// <summary>Gets every line the host has printed so far.</summary>
    public List<string> Lines()
    {
        lock (_lines)
        {
            return [.. _lines];
        }
    }

    /// <summary>Waits for the first line that contains <paramref name="fragment"/> and returns it.</summary>
    public async Task<string> LineContainingAsync(string fragment, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Lines().FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (_ended.Task.IsCompleted)
            {
                throw new InvalidOperationException($"The host ended without a line containing '{fragment}'. Its output:{Environment.NewLine}{string.Join(Environment.NewLine, Lines())}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Waits for the first line starting with <paramref name="prefix"/> and returns the rest of it.</summary>
    public async Task<string> LineAsync(string prefix, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lines)
            {
                if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
                {
                    return line[prefix.Length..];
                }
            }

            if (_ended.Task.IsCompleted)
            {
                lock (_lines)
                {
                    throw new InvalidOperationException($"The host ended without a line starting with '{prefix}'. Its output:{Environment.NewLine}{string.Join(Environment.NewLine, _lines)}");
                }
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Skips the test unless the host runs in the tier the test asked for (a cgroup is not available everywhere).</summary>
    public async Task RequireTierAsync(string tier, CancellationToken cancellationToken)
    {
        var actual = await LineAsync("tier ", cancellationToken);
        var wanted = tier == "fallback" ? nameof(ContainmentTier.ProcessGroup) : nameof(ContainmentTier.Cgroup);
        Assert.SkipWhen(actual != wanted && tier == "cgroup", $"This machine gives the test host no cgroup to create child cgroups in (tier {actual}): the cgroup tier cannot be exercised here.");
        Assert.Equal(wanted, actual);
    }

    /// <summary>Parses "pid:start" pairs.</summary>
    public static List<(int Pid, ulong Start)> ParsePids(string text) =>
        [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split(':')).Select(p => (int.Parse(p[0]), ulong.Parse(p[1])))];

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.WaitForExit(10_000);
        Process.Dispose();
        _store?.Dispose();
    }

    /// <summary>Kills what a host left behind, by pid and start time (test cleanup when an assertion failed).</summary>
    public static void KillSurvivors(IEnumerable<(int Pid, ulong Start)> processes)
    {
        foreach (var (pid, start) in processes)
        {
            if (OsProcess.IsRunning(pid, start))
            {
                OsProcess.KillQuietly(pid);
            }
        }
    }
}
