using Xunit;

namespace LiveFixtures.Consumer;

/// <summary>Starts its own copy of the test app for <see cref="NoticeTests"/>, so that its crashes touch no other test.</summary>
public sealed class CrashingAppFixture : LiveProcessFixture
{
    /// <inheritdoc/>
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder
        .WithCommand("dotnet")
        .WithArguments(TestApp.Dll, "--port", "{port}")
        .WithPort()
        .WithBaseAddress("http://127.0.0.1:{port}/")
        .WithReadiness(Probe.OutputLine("^TestApp ready on "))
        .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .WithRestartBudget(maxRespawns: 3, window: TimeSpan.FromMinutes(1));
}

/// <summary>
/// Both tests crash the app (exit 134, SIGABRT) and pass: each is told that the app died during it, and the one that runs
/// second is also told that it starts on a new process because the first one killed the old. eng/check-package.sh looks
/// for these notices in the default console output of each runner (dotnet test on both platforms, the executable run
/// directly, VSTest).
/// </summary>
public sealed class NoticeTests(CrashingAppFixture app) : LiveTest<CrashingAppFixture>(app), IClassFixture<CrashingAppFixture>
{
    [Fact(Timeout = 60_000)]
    public Task One_CrashesTheApp() => CrashAsync(TestContext.Current.CancellationToken);

    [Fact(Timeout = 60_000)]
    public Task Two_CrashesTheApp() => CrashAsync(TestContext.Current.CancellationToken);

    private async Task CrashAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var _ = await Http.PostAsync("crash", null, cancellationToken);
        }
        catch (HttpRequestException)
        {
            // The app may abort while it answers.
        }

        var death = await Fixture.Process.WhenExited.WaitAsync(cancellationToken);
        Assert.Equal("SIGABRT", death.SignalName);
    }
}
