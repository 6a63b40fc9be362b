using Xunit;

namespace LiveFixtures.Suite.AssemblyScope;

/// <summary>Crashes the shared app (<c>POST /crash</c>: exit 134, SIGABRT) and waits until it is gone.</summary>
/// <param name="app">The shared app.</param>
public abstract class CrashTests(SuiteAppFixture app) : LiveTest<SuiteAppFixture>(app)
{
    [Fact(Timeout = 30_000)]
    public async Task Crash_KillsTheSharedApp()
    {
        var token = TestContext.Current.CancellationToken;
        TestContext.Current.TestOutputHelper!.WriteLine($"pid {Generation.ProcessId} generation {Generation.Number}");
        try
        {
            using var _ = await Http.PostAsync("crash", null, token);
        }
        catch (HttpRequestException)
        {
            // The app may abort while it answers.
        }

        var death = await Fixture.Process.WhenExited.WaitAsync(token);

        Assert.Equal(Generation.Number, death.Generation);
        Assert.Equal("SIGABRT", death.SignalName);
    }
}
