using System.Globalization;

namespace LiveFixtures.Containment;

/// <summary>
/// A cgroup v2 for one generation: the launch shim writes itself into <c>cgroup.procs</c> and then execs the app, so
/// the app and everything it ever starts are members; <c>cgroup.kill</c> ends them all in one write.
/// </summary>
internal sealed class CgroupBox(string directory) : GenerationBox
{
    /// <summary>The fixed script of the launch shim: join the cgroup named in $1, then become the app ("$@" after it).</summary>
    public const string ShimScript = "echo $$ >\"$1\" || exit 125; shift; exec \"$@\"";

    /// <summary>The shell that runs the shim: present on every Linux the .NET SDK runs on.</summary>
    public const string Shell = "/bin/sh";

    public string Directory { get; } = directory;

    public override ContainmentTier Tier => ContainmentTier.Cgroup;

    /// <summary>Creates the cgroup directory for one generation under the run's cgroup.</summary>
    public static CgroupBox Create(string runDirectory, string name)
    {
        var directory = Path.Combine(runDirectory, name);
        System.IO.Directory.CreateDirectory(directory);
        return new CgroupBox(directory);
    }

    public override (string Path, IReadOnlyList<string> Argv) Wrap(string executable, IReadOnlyList<string> argv) =>
        (Shell, ["sh", "-c", ShimScript, "livefixtures-shim", Path.Combine(Directory, "cgroup.procs"), executable, .. argv.Skip(1)]);

    public override int CountOthers() => Members().Count(pid => pid != Root?.Pid);

    /// <summary>Lists the member pids, read from the kernel; never scans the process table.</summary>
    public List<int> Members()
    {
        var result = new List<int>();
        try
        {
            foreach (var line in File.ReadAllLines(Path.Combine(Directory, "cgroup.procs")))
            {
                if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    result.Add(pid);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return result;
    }

    public override void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still populated (a member outlived the kill limit) or already gone: the run's cleanup tries again.
        }
    }

    protected override IReadOnlyCollection<int> KillRound()
    {
        var others = Members().Where(pid => pid != Root?.Pid).ToList();
        try
        {
            File.WriteAllText(Path.Combine(Directory, "cgroup.kill"), "1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return others;
    }

    protected override bool Settled() => Root?.Exited.IsCompleted != false && !IsPopulated();

    private bool IsPopulated()
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(Directory, "cgroup.events")))
            {
                if (line.StartsWith("populated ", StringComparison.Ordinal))
                {
                    return line != "populated 0";
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }
}
