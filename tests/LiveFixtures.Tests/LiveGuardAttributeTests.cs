using LiveFixtures.Testing;
using Xunit;
using Xunit.v3;

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

/// <summary>Guards the same fixture twice for one test, as <c>[assembly: LiveGuard]</c> and a class's own <c>[LiveGuard]</c> do.</summary>
public sealed class LiveGuardAttributeTwiceTests(GuardedAppFixture app) : IClassFixture<GuardedAppFixture>
{
    [Fact]
    public void Before_SameFixtureGuardedTwice_TracksTheTestOnceAndNotAfterIt()
    {
        var test = (IXunitTest)TestContext.Current.Test!;
        var method = typeof(LiveGuardAttributeTwiceTests).GetMethod(nameof(Before_SameFixtureGuardedTwice_TracksTheTestOnceAndNotAfterIt))!;
        var assemblyGuard = new LiveGuardAttribute(typeof(GuardedAppFixture));
        var classGuard = new LiveGuardAttribute(typeof(GuardedAppFixture));

        // xUnit runs Before outermost first and After in reverse.
        assemblyGuard.Before(method, test);
        classGuard.Before(method, test);
        var during = app.Process.RunningTestName();
        classGuard.After(method, test);
        assemblyGuard.After(method, test);

        Assert.Equal(test.TestDisplayName, during);
        using (app.Process.TrackTest("a later test"))
        {
            // A scope left behind would still track this test, and a death now would be blamed on both.
            Assert.Equal("a later test", app.Process.RunningTestName());
        }
    }
}
