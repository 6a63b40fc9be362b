using LiveFixtures;

namespace LiveFixtures.Testing;

/// <summary>Finds the repository's test app and builds handles for it.</summary>
internal static class TestAppPaths
{
    /// <summary>Gets the path of the built test app (LiveFixtures.TestApp.dll), built with the same configuration as the tests.</summary>
    public static string Dll { get; } = BuiltDll("LiveFixtures.TestApp");

    /// <summary>Creates a builder for the test app on a free port, ready when it prints its ready line, live while /health answers 2xx.</summary>
    public static LiveProcessBuilder Builder(params string[] options) =>
        new LiveProcessBuilder("dotnet")
            .WithName("TestApp")
            .WithArguments([Dll, "--port", "{port}", .. options])
            .WithPort()
            .WithBaseAddress("http://127.0.0.1:{port}/")
            .WithReadiness(Probe.OutputLine(@"^TestApp ready on "))
            .WithLiveness(Probe.Http("/health"))
            .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .WithStopGrace(TimeSpan.FromSeconds(5));

    /// <summary>Finds a project's built dll under tests/ (or src/), built with the same configuration as the running assembly.</summary>
    public static string BuiltDll(string project)
    {
        var here = AppContext.BaseDirectory;
        var dir = new DirectoryInfo(here);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LiveFixtures.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException($"Could not find the repository root above {here}.");
        }

        // .../bin/<Configuration>/net10.0/ : use the same configuration as this assembly.
        var configuration = new DirectoryInfo(here.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";
        var dll = Path.Combine(dir.FullName, "tests", project, "bin", configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll) && Directory.Exists(Path.Combine(dir.FullName, "src", project)))
        {
            dll = Path.Combine(dir.FullName, "src", project, "bin", configuration, "net10.0", project + ".dll");
        }

        return File.Exists(dll)
            ? dll
            : throw new InvalidOperationException($"{project} is not built: {dll} is missing. Build the solution first ('dotnet build').");
    }
}
