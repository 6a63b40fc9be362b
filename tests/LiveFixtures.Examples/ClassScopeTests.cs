using Xunit;

namespace LiveFixtures.Examples;

// <snippet:class-fixture>
public sealed class ClassScopeTests(PerClassAppFixture app) : IClassFixture<PerClassAppFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task EachClass_HasItsOwnProcess()
    {
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal("ok", await app.Http.GetStringAsync("health", TestContext.Current.CancellationToken));
        Assert.Equal(1, generation.Number);
    }
}
// </snippet:class-fixture>

public sealed class ClassScopeOtherTests(PerClassAppFixture app) : IClassFixture<PerClassAppFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task AnotherClass_GetsAnotherProcess()
    {
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal("ok", await app.Http.GetStringAsync("health", TestContext.Current.CancellationToken));
        Assert.Equal(1, generation.Number);
    }
}
