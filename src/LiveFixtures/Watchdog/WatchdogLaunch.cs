using System.Globalization;
using System.Security.Cryptography;
using LiveFixtures.Launching;

namespace LiveFixtures.Watchdog;

/// <summary>
/// How the watchdog is run from the package on a machine that has only the .NET SDK: a tiny framework-dependent
/// launcher assembly, embedded in LiveFixtures.dll and written once per version into the user's private folder, run
/// by the <c>dotnet</c> muxer; it loads the host's own LiveFixtures.dll, so the watchdog is always the host's version.
/// </summary>
internal static class WatchdogLaunch
{
    /// <summary>The name of the embedded launcher assembly.</summary>
    public const string LauncherResource = "LiveFixtures.Watchdog.dll";

    /// <summary>Variables the watchdog must not inherit: hooks and profilers meant for the test host.</summary>
    private static readonly string[] NotInherited = ["DOTNET_STARTUP_HOOKS", "CORECLR_ENABLE_PROFILING", "CORECLR_PROFILER", "CORECLR_PROFILER_PATH", "DOTNET_DiagnosticPorts", SpawnedProcess.CookieVariable];

    /// <summary>
    /// Finds the <c>dotnet</c> muxer: <c>DOTNET_HOST_PATH</c> (set by the .NET CLI for what it starts: under the test
    /// platform the host's own executable is the test app, not dotnet); the muxer of the runtime this host runs on;
    /// the host itself when it is dotnet; <c>DOTNET_ROOT</c>; then PATH. A self-contained host has no muxer of its own
    /// and needs one of the others.
    /// </summary>
    public static string? FindMuxer()
    {
        var candidates = new List<string?>
        {
            System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"),
            Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "", "..", "..", "..", "dotnet"),
            Path.GetFileNameWithoutExtension(System.Environment.ProcessPath) == "dotnet" ? System.Environment.ProcessPath : null,
            System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root ? Path.Combine(root, "dotnet") : null,
        };
        foreach (var candidate in candidates)
        {
            if (candidate is { Length: > 0 } && Path.GetFileNameWithoutExtension(candidate) == "dotnet" && File.Exists(candidate) && ExecutableResolver.IsProgramFile(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return ExecutableResolver.Resolve("dotnet", null).Path;
    }

    /// <summary>
    /// Writes the launcher and its runtime config into the user's private folder (named by its hash, so that versions
    /// never mix) unless the same bytes are there already; returns the launcher's path.
    /// </summary>
    public static string ExtractLauncher()
    {
        using var resource = typeof(WatchdogLaunch).Assembly.GetManifestResourceStream(LauncherResource)
            ?? throw new WatchdogUnavailableException($"LiveFixtures.dll holds no {LauncherResource} (a damaged build)");
        var bytes = new byte[resource.Length];
        resource.ReadExactly(bytes);
        var folder = PrivateFolder.Get("watchdog");
        var name = "LiveFixtures.Watchdog-" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        var launcher = Path.Combine(folder, name + ".dll");
        WriteIfDifferent(launcher, bytes);

        // Framework-dependent, any .NET of this major version or later: the one the SDK brought.
        var major = System.Environment.Version.Major.ToString(CultureInfo.InvariantCulture);
        var config = "{\"runtimeOptions\":{\"tfm\":\"net" + major + ".0\",\"rollForward\":\"Major\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + major + ".0.0\"}}}";
        WriteIfDifferent(Path.Combine(folder, name + ".runtimeconfig.json"), System.Text.Encoding.UTF8.GetBytes(config));
        return launcher;
    }

    /// <summary>Gets the watchdog's environment: the host's, without what is meant for the host alone.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ChildEnvironment()
    {
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            if (!NotInherited.Contains(key, StringComparer.Ordinal))
            {
                yield return new(key, (string?)entry.Value ?? "");
            }
        }
    }

    private static void WriteIfDifferent(string path, byte[] bytes)
    {
        try
        {
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
            {
                return;
            }
        }
        catch (IOException)
        {
            // Rewritten below.
        }

        var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{System.Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
