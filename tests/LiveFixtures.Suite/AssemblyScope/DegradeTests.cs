using System.Net;
using Xunit;

namespace LiveFixtures.Suite.AssemblyScope;

/// <summary>Degrades the shared app (<c>POST /degrade</c>): it keeps running, but /health answers 503 and clicks 500.</summary>
/// <param name="app">The shared app.</param>
public abstract class DegradeTests(SuiteAppFixture app) : LiveTest<SuiteAppFixture>(app)
{
    [Fact(Timeout = 30_000)]
    public async Task Degrade_BreaksTheSharedAppsClicks()
    {
        var token = TestContext.Current.CancellationToken;
        TestContext.Current.TestOutputHelper!.WriteLine($"pid {Generation.ProcessId} generation {Generation.Number}");

        using var degrade = await Http.PostAsync("degrade", null, token);
        using var click = await Http.PostAsync("click/after-degrade", null, token);

        degrade.EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.InternalServerError, click.StatusCode);
    }
}
