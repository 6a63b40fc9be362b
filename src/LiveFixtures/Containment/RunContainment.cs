using System.Globalization;
using System.Security.Cryptography;
using LiveFixtures.Launching;
using LiveFixtures.Platform;

namespace LiveFixtures.Containment;

/// <summary>
/// The containment tier of this test run, chosen once, the strongest the machine allows: a cgroup v2 per generation
/// under the host's own cgroup where the host may create one, else the process group and session with the host as
/// child subreaper.
/// </summary>
internal sealed class RunContainment
{
    /// <summary>
    /// The environment variable naming the cgroup (a directory in the cgroup v2 mount) under which the run creates its
    /// generations' cgroups, instead of the host's own. A path that is not a writable cgroup forces the fallback.
    /// </summary>
    public const string CgroupRootVariable = "LIVEFIXTURES_CGROUP_ROOT";

    private const string RunPrefix = "livefixtures-";
    private static readonly Lazy<RunContainment> Chosen = new(Choose, LazyThreadSafetyMode.ExecutionAndPublication);
    private int _boxes;

    private RunContainment(ContainmentTier tier, string description, string? runDirectory)
    {
        Tier = tier;
        Description = description;
        RunDirectory = runDirectory;
    }

    /// <summary>Gets whether the run's containment has been chosen (a generation was started).</summary>
    public static bool IsChosen => Chosen.IsValueCreated;

    /// <summary>Gets the run's containment, choosing it on first use.</summary>
    public static RunContainment Current => Chosen.Value;

    /// <summary>Gets the tier.</summary>
    public ContainmentTier Tier { get; }

    /// <summary>Gets the tier in words, with the reason the stronger one was not used: for messages and reports.</summary>
    public string Description { get; }

    /// <summary>Gets the run's cgroup, under which every generation gets its own, in the cgroup tier.</summary>
    public string? RunDirectory { get; }

    /// <summary>Gets or sets the signal that is ending the test host, once one is: from then on no generation starts.</summary>
    public static string? EndingBecause { get; set; }

    /// <summary>Prepares the box of one generation, before its start.</summary>
    /// <exception cref="InvalidOperationException">The test host is being ended by a signal.</exception>
    public GenerationBox Create(string name, IProcessTable table, bool ownGroup)
    {
        if (EndingBecause is { } signal)
        {
            // A start now would outlive the kill that the host's signal handler has just made.
            throw new InvalidOperationException($"The test host is shutting down ({signal}), so no new process is started.");
        }

        var number = Interlocked.Increment(ref _boxes);
        return Tier == ContainmentTier.Cgroup
            ? CgroupBox.Create(RunDirectory!, $"{Sanitize(name)}-{number}")
            : new GroupBox(table, ownGroup);
    }

    /// <summary>Removes the run's (empty) cgroup when the host goes down.</summary>
    public void Cleanup()
    {
        if (RunDirectory is not null)
        {
            TryRemoveTree(RunDirectory);
        }
    }

    private static RunContainment Choose()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new RunContainment(ContainmentTier.None, $"none: LiveFixtures contains process trees on Linux only, not on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}", null);
        }

        var (runDirectory, problem) = TryCreateRunCgroup();
        if (runDirectory is not null)
        {
            return new RunContainment(ContainmentTier.Cgroup, $"cgroup v2 per generation under {runDirectory}", runDirectory);
        }

        // The watchdog first: started after the host became subreaper, it would be handed back to the host.
        Watchdog.RunWatchdog.EnsureStarted();
        Watchdog.RunWatchdog.WaitUntilDetached(TimeSpan.FromSeconds(5));
        var subreaper = GroupBox.BecomeSubreaper() ? "the test host as child subreaper" : "the test host could not become child subreaper, so orphans go to init";
        return new RunContainment(ContainmentTier.ProcessGroup, $"process group and session, {subreaper} (no cgroup: {problem})", null);
    }

    private static (string? Directory, string? Problem) TryCreateRunCgroup()
    {
        var configured = Environment.GetEnvironmentVariable(CgroupRootVariable);
        var parent = string.IsNullOrEmpty(configured) ? OwnCgroupDirectory() : configured;
        if (parent is null)
        {
            return (null, "the host's cgroup v2 was not found in /proc/self/cgroup and /proc/self/mountinfo");
        }

        if (!File.Exists(CgroupBox.Shell))
        {
            return (null, $"{CgroupBox.Shell}, which runs the launch shim, is missing");
        }

        SweepStaleRuns(parent);
        var run = Path.Combine(parent, $"{RunPrefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        try
        {
            Directory.CreateDirectory(run);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"the host may not create a cgroup under {parent} ({e.Message})");
        }

        if (!File.Exists(Path.Combine(run, "cgroup.kill")))
        {
            TryRemoveTree(run);
            return (null, $"{parent} is not a cgroup v2 with cgroup.kill (Linux 5.14 or later)");
        }

        // A real join, as every generation will do it: moving a process may still be refused (delegation, controllers).
        var trial = CgroupBox.Create(run, "trial");
        try
        {
            var (path, argv) = trial.Wrap("/bin/true", ["true"]);
            using var child = NativeChild.Start(path, argv, []);
            var finished = child.Exited.Wait(TimeSpan.FromSeconds(10));
            if (!finished || child.Exited.Result != 0)
            {
                TryRemoveTree(run);
                return (null, $"a process could not join a cgroup under {run} (exit code {(finished ? child.Exited.Result.ToString(CultureInfo.InvariantCulture) : "none within 10 s")})");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            TryRemoveTree(run);
            return (null, $"the launch shim could not start ({e.Message})");
        }
        finally
        {
            trial.Dispose();
        }

        return (run, null);
    }

    /// <summary>Finds the directory of the host's own cgroup v2 (the "0::" line) in the cgroup2 mount.</summary>
    private static string? OwnCgroupDirectory()
    {
        try
        {
            var own = File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
            if (own is null)
            {
                return null;
            }

            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
                var separator = line.IndexOf(" - ", StringComparison.Ordinal);
                if (separator < 0 || !line[(separator + 3)..].StartsWith("cgroup2 ", StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = line[..separator].Split(' ');
                var root = Unescape(fields[3]);
                var mountPoint = Unescape(fields[4]);
                if (own == root || own.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal))
                {
                    var directory = Path.Join(mountPoint, own[root.TrimEnd('/').Length..]);
                    return Directory.Exists(directory) ? directory.TrimEnd('/') : null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Removes the empty cgroups that runs of hosts no longer alive left behind; a populated one stays (the kernel refuses).</summary>
    private static void SweepStaleRuns(string parent)
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(parent, RunPrefix + "*"))
            {
                var name = Path.GetFileName(directory)[RunPrefix.Length..];
                var dash = name.IndexOf('-', StringComparison.Ordinal);
                if (dash > 0 && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
                {
                    TryRemoveTree(directory);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryRemoveTree(string directory)
    {
        try
        {
            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                TryRemoveTree(child);
            }

            // rmdir, not a recursive delete: a cgroup's files cannot be deleted, and a populated cgroup must stay.
            Directory.Delete(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string Unescape(string field) => field.Replace("\\040", " ", StringComparison.Ordinal);

    private static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
