using System.Net.Http.Json;
using Xunit;

namespace LiveFixtures.Suite.AssemblyScope;

/// <summary>Does ordinary work on the shared app (a click, then <c>GET /state</c>) and checks that it works.</summary>
/// <param name="app">The shared app.</param>
public abstract class OrdinaryTests(SuiteAppFixture app) : LiveTest<SuiteAppFixture>(app)
{
    [Fact(Timeout = 30_000)]
    public async Task Work_OnTheSharedApp_Succeeds()
    {
        var token = TestContext.Current.CancellationToken;
        var button = GetType().Name;
        TestContext.Current.TestOutputHelper!.WriteLine($"pid {Generation.ProcessId} generation {Generation.Number}");

        using var click = await Http.PostAsync($"click/{button}", null, token);
        var state = await Http.GetFromJsonAsync<AppState>("state", token);

        click.EnsureSuccessStatusCode();
        Assert.Equal(Generation.ProcessId, state!.Pid);
        Assert.False(state.Degraded);
        Assert.Equal(button, state.Buttons[^1]);
    }
}
