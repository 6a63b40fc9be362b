using Xunit;

namespace LiveFixtures.Examples;

// <snippet:crash>
[Collection("Crash 1: a class crashes the shared app")]
public sealed class CrashingTests(SharedAppFixture app) : LiveTest<SharedAppFixture>(app)
{
    [Fact(Timeout = 60_000)]
    public async Task Crash_KillsTheSharedApp()
    {
        var generation = Generation;
        try
        {
            await Http.PostAsync("crash", null, TestContext.Current.CancellationToken);
        }
        catch (HttpRequestException)
        {
            // The app aborts as it answers.
        }

        var death = await Fixture.Process.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(generation.Number, death.Generation);
        Assert.Equal("SIGABRT", death.SignalName);
        // After this test the guard adds: "SharedApp (generation N, pid P) died during this test (N ms into it): exit code 134 (SIGABRT) ..."
    }
}

[Collection("Crash 2: the next class starts fresh")]
public sealed class AfterCrashTests(SharedAppFixture app) : LiveTest<SharedAppFixture>(app)
{
    [Fact]
    public void NextClass_StartsOnAFreshGenerationAndIsTold()
    {
        var previous = Generation.Previous;

        Assert.NotNull(previous);
        Assert.Equal(134, previous.ExitCode);
        Assert.Contains(nameof(CrashingTests.Crash_KillsTheSharedApp), previous.TestName, StringComparison.Ordinal);
        Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("This test starts on generation", StringComparison.Ordinal));
    }
}
// </snippet:crash>
