namespace LiveFixtures.Examples;

// <snippet:fixture>
/// <summary>The app under test: started once per scope that uses this fixture, respawned when it dies or degrades.</summary>
public class LiveGuiFixture : LiveProcessFixture
{
    /// <summary>Gets the path of the app's built .dll, from the LIVEGUI_APP environment variable.</summary>
    public static string AppDll => Environment.GetEnvironmentVariable("LIVEGUI_APP") is { Length: > 0 } path
        ? path
        : throw new InvalidOperationException("LIVEGUI_APP is not set: set it to the path of the app's built .dll and run the tests again.");

    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder
        .WithCommand("dotnet")
        .WithArguments(AppDll, "--port", "{port}")
        .WithPort()
        .WithBaseAddress("http://127.0.0.1:{port}/")
        .WithReadiness(Probe.OutputLine("^TestApp ready on "))
        .WithLiveness(Probe.Http("/health"))
        .WithRestartBudget(maxRespawns: 3, window: TimeSpan.FromMinutes(1));
}
// </snippet:fixture>

// <snippet:shared>
/// <summary>The same app, shared by the whole test assembly.</summary>
public sealed class SharedAppFixture : LiveGuiFixture
{
    public override string Name => "SharedApp";
}
// </snippet:shared>

// <snippet:per-class>
/// <summary>The same app, one process per test class that uses it.</summary>
public sealed class PerClassAppFixture : LiveGuiFixture
{
    public override string Name => "PerClassApp";
}
// </snippet:per-class>

// <snippet:fresh>
/// <summary>The same app, a new process for every guarded test.</summary>
public sealed class FreshAppFixture : LiveGuiFixture
{
    public override string Name => "FreshApp";

    public override bool FreshPerTest => true;
}
// </snippet:fresh>
