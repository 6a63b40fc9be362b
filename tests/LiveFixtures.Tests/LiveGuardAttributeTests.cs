using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class GuardedAppFixture : LiveProcessFixture
{
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => TestAppPaths.Builder().WithName(Name);
}

[LiveGuard(typeof(GuardedAppFixture))]
public sealed class LiveGuardAttributeTests(GuardedAppFixture app) : IClassFixture<GuardedAppFixture>
{
    [Fact]
    public void Before_EachTest_ProcessIsReadyAndTracksThisTest()
    {
        Assert.Equal(LiveProcessState.Ready, app.Process.State);
        Assert.Equal(TestContext.Current.Test!.TestDisplayName, app.Process.RunningTestName());
    }

    [Fact]
    public void Constructor_NotAFixtureType_SaysWhatItNeeds()
    {
        var error = Assert.Throws<ArgumentException>(() => new LiveGuardAttribute(typeof(string)));

        Assert.Contains("needs a LiveProcessFixture subclass", error.Message, StringComparison.Ordinal);
    }
}
