using LiveFixtures.Testing;

namespace LiveFixtures.Examples;

// <snippet:fixture>
/// <summary>The app under test: started once per scope that uses this fixture, respawned when it dies or degrades.</summary>
public class LiveGuiFixture : LiveProcessFixture
{
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder
        .WithCommand("dotnet")
        .WithArguments(TestAppPaths.Dll, "--port", "{port}")
        .WithPort()
        .WithBaseAddress("http://127.0.0.1:{port}/")
        .WithReadiness(Probe.OutputLine("^TestApp ready on "))
        .WithLiveness(Probe.Http("/health"))
        .WithRestartBudget(maxRespawns: 3, window: TimeSpan.FromMinutes(1));
}
// </snippet:fixture>

/// <summary>The same app, shared by the whole example assembly.</summary>
public sealed class SharedAppFixture : LiveGuiFixture
{
    public override string Name => "SharedApp";
}

/// <summary>The same app, one process per test class that uses it.</summary>
public sealed class PerClassAppFixture : LiveGuiFixture
{
    public override string Name => "PerClassApp";
}

// <snippet:fresh>
/// <summary>The same app, a new process for every guarded test.</summary>
public sealed class FreshAppFixture : LiveGuiFixture
{
    public override string Name => "FreshApp";

    public override bool FreshPerTest => true;
}
// </snippet:fresh>
