using Xunit;

namespace LiveFixtures.Examples;

// <snippet:guard>
[Collection("LiveGui")]
public sealed class GuardedTests(LiveGuiFixture app) : LiveTest<LiveGuiFixture>(app)
{
    [Fact(Timeout = 60_000)]
    public async Task Guard_HandsEveryTestAReadyProcess()
    {
        using var response = await Http.PostAsync("click/open", null, TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        Assert.Equal(LiveProcessState.Ready, Fixture.Process.State);
    }
}
// </snippet:guard>

public sealed class FreshPerTestTests(FreshAppFixture app) : LiveTest<FreshAppFixture>(app), IClassFixture<FreshAppFixture>
{
    private static readonly System.Collections.Concurrent.ConcurrentBag<int> Pids = [];

    [Theory(Timeout = 60_000)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task EveryTest_GetsANewProcess(int round)
    {
        using var response = await Http.PostAsync($"click/round{round}", null, TestContext.Current.CancellationToken);
        var state = await Http.GetStringAsync("state", TestContext.Current.CancellationToken);

        Assert.Contains("\"clicks\":1", state, StringComparison.Ordinal);
        Assert.DoesNotContain(Generation.ProcessId, Pids);
        Pids.Add(Generation.ProcessId);
    }
}
