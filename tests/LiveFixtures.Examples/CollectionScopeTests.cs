using System.Net.Http.Json;
using Xunit;

namespace LiveFixtures.Examples;

// <snippet:collection-tests>
[Collection("LiveGui")]
public sealed class CollectionScopeTests(LiveGuiFixture app)
{
    [Fact(Timeout = 60_000)]
    public async Task Click_CountsOnTheSharedProcess()
    {
        await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        using var response = await app.Http.PostAsync("click/save", null, TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, int>>(TestContext.Current.CancellationToken);
        Assert.True(body!["clicks"] >= 1);
    }
}
// </snippet:collection-tests>

[Collection("LiveGui")]
public sealed class CollectionScopeSecondClassTests(LiveGuiFixture app)
{
    [Fact(Timeout = 60_000)]
    public async Task SecondClass_SeesTheSameProcess()
    {
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var state = await app.Http.GetFromJsonAsync<Dictionary<string, object>>("state", TestContext.Current.CancellationToken);

        Assert.Equal(generation.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), state!["pid"].ToString());
    }
}
