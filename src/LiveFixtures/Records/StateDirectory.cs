using System.Globalization;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>Finds the per-user directory where LiveFixtures keeps its run records and health snapshots.</summary>
internal static class StateDirectory
{
    /// <summary>The environment variable that overrides the directory.</summary>
    public const string Variable = "LIVEFIXTURES_STATE_DIR";

    /// <summary>
    /// Resolves the directory: <c>$LIVEFIXTURES_STATE_DIR</c>; else <c>$XDG_STATE_HOME/livefixtures</c>; else
    /// <c>~/.local/state/livefixtures</c>; else (no home) a folder named with the user id in the temp area. Never a
    /// folder shared by all users.
    /// </summary>
    public static string Resolve()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } explicitPath)
        {
            return Path.GetFullPath(explicitPath);
        }

        if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "livefixtures");
        }

        if (Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home && Directory.Exists(home))
        {
            return Path.Combine(home, ".local", "state", "livefixtures");
        }

        return Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"livefixtures-state-{(OperatingSystem.IsLinux() ? UnixFileStatus.EffectiveUserId : 0)}"));
    }
}
