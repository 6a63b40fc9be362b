using System.Globalization;
using System.Net.Http.Json;
using Xunit;

namespace LiveFixtures.Consumer;

[Collection("LiveGui")]
public sealed class LiveGuiTests(LiveGuiFixture app)
{
    [Fact(Timeout = 60_000)]
    public async Task EnsureReady_ReturnsTheSharedProcess()
    {
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var state = await app.Http.GetFromJsonAsync<Dictionary<string, object>>("state", TestContext.Current.CancellationToken);

        Assert.Equal(LiveProcessState.Ready, app.Process.State);
        Assert.Equal(generation.ProcessId.ToString(CultureInfo.InvariantCulture), state!["pid"].ToString());
    }
}
