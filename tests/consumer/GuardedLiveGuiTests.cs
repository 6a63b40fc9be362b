using System.Net.Http.Json;
using Xunit;

namespace LiveFixtures.Consumer;

[Collection("LiveGui")]
public sealed class GuardedLiveGuiTests(LiveGuiFixture app) : LiveTest<LiveGuiFixture>(app)
{
    [Fact(Timeout = 60_000)]
    public async Task Click_OnTheGuardedProcess_IsCounted()
    {
        using var response = await Http.PostAsync("click/consumer", null, TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, int>>(TestContext.Current.CancellationToken);
        Assert.True(body!["clicks"] >= 1);
        Assert.Equal(Generation.ProcessId, Fixture.Process.ProcessId);
    }
}
