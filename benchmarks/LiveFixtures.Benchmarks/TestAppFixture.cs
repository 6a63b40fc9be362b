using LiveFixtures.Testing;

namespace LiveFixtures.Benchmarks;

/// <summary>Shares the repository's test app without a liveness probe: only an exit counts as a death.</summary>
internal sealed class TestAppFixture : LiveProcessFixture
{
    /// <inheritdoc/>
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder
        .WithCommand("dotnet")
        .WithArguments([TestAppPaths.Dll, "--port", "{port}"])
        .WithPort()
        .WithBaseAddress("http://127.0.0.1:{port}/")
        .WithReadiness(Probe.OutputLine(@"^TestApp ready on "))
        .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .WithStopGrace(TimeSpan.FromSeconds(5));
}
