
namespace LiveFixtures.Consumer;

/// <summary>Starts the repository's test app, as an outside user would start their own app.</summary>
public sealed class LiveGuiFixture : LiveProcessFixture
{
    /// <inheritdoc/>
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder
        .WithCommand("dotnet")
        .WithArguments(TestApp.Dll, "--port", "{port}")
        .WithPort()
        .WithBaseAddress("http://127.0.0.1:{port}/")
        .WithReadiness(Probe.OutputLine("^TestApp ready on "))
        .WithLiveness(Probe.Http("/health"))
        .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .WithStopGrace(TimeSpan.FromSeconds(5))
        .WithRestartBudget(maxRespawns: 2, window: TimeSpan.FromMinutes(1));
}
