using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessFixtureTests
{

    [Fact(Timeout = 60_000)]
    public async Task InitializeAsync_StartFails_EachUseTriesAgainUntilTheBudgetIsUsedUp()
    {
        var fixture = new BrokenAppFixture(skip: false);
        await fixture.InitializeAsync();
        try
        {
            Assert.Equal(1, fixture.Process.GenerationCount);
            var first = await Assert.ThrowsAsync<LiveFixtureUnavailableException>(() => fixture.EnsureReadyAsync(TestContext.Current.CancellationToken));
            var second = await Assert.ThrowsAsync<LiveFixtureUnavailableException>(() => fixture.BeginTestAsync(TestContext.Current.CancellationToken));

            Assert.Contains("'BrokenApp' is unavailable", first.Message, StringComparison.Ordinal);
            Assert.Contains("nor when this test asked for it", first.Message, StringComparison.Ordinal);
            Assert.Contains("exit code 3", first.Message, StringComparison.Ordinal);
            Assert.IsType<LiveProcessStartException>(first.InnerException);

            // The budget (one respawn) went to the first use's attempt: the second use fails at once.
            Assert.IsType<LiveProcessFaultedException>(second.InnerException);
            Assert.Equal(2, fixture.Process.GenerationCount);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_SkipWhenUnavailable_ThrowsXunitDynamicSkipWithCause()
    {
        var fixture = new BrokenAppFixture(skip: true);
        await fixture.InitializeAsync();
        try
        {
            // Caught by hand: xUnit's Assert.Throws lets a dynamic skip through, which would skip this very test.
            LiveFixtureUnavailableException? error = null;
            try
            {
                await fixture.EnsureReadyAsync(TestContext.Current.CancellationToken);
            }
            catch (LiveFixtureUnavailableException e)
            {
                error = e;
            }

            Assert.NotNull(error);
            Assert.StartsWith(Xunit.v3.DynamicSkipToken.Value, error.Message, StringComparison.Ordinal);
            Assert.Contains("fatal: startup failed", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact]
    public async Task InitializeAsync_BadConfiguration_IsReportedOnAccess()
    {
        var fixture = new MisconfiguredFixture();
        await fixture.InitializeAsync();

        var error = Assert.Throws<LiveFixtureUnavailableException>(() => fixture.Process);

        Assert.IsType<LiveProcessConfigurationException>(error.InnerException);
        Assert.Contains("No command was given", error.Message, StringComparison.Ordinal);
        await fixture.DisposeAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task Http_AfterRespawn_PointsAtTheNewGeneration()
    {
        var fixture = new AppFixture();
        await fixture.InitializeAsync();
        try
        {
            var first = fixture.Generation;
            Assert.Equal(first.BaseAddress, fixture.Http.BaseAddress);
            await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(fixture.Http, "crash");
            await fixture.Process.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

            var second = await fixture.EnsureReadyAsync(TestContext.Current.CancellationToken);

            Assert.Equal(second.BaseAddress, fixture.Http.BaseAddress);
            Assert.NotEqual(first.Port, second.Port);
            Assert.Equal("ok", await fixture.Http.GetStringAsync("health", TestContext.Current.CancellationToken));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Guard_DegradedDuringTest_IsRecordedAgainstThatTest()
    {
        var fixture = new AppFixture();
        await fixture.InitializeAsync();
        try
        {
            var scope = await fixture.BeginTestAsync(TestContext.Current.CancellationToken);
            (await fixture.Http.PostAsync("degrade", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

            await scope.DisposeAsync();

            var death = Assert.Single(fixture.Process.Deaths);
            Assert.Equal(DeathCause.Degraded, death.Cause);
            Assert.Equal(TestContext.Current.Test!.TestDisplayName, death.TestName);
            Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("degraded during this test", StringComparison.Ordinal));
            var next = await fixture.EnsureReadyAsync(TestContext.Current.CancellationToken);
            Assert.Equal(2, next.Number);
            Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("This test starts on generation 2", StringComparison.Ordinal));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task BeginTestAsync_ScopeDisposedWhileTheHandleIsHeldForever_SkipsTheCheckAfterItsLimit()
    {
        // Another caller's stop holds the gate behind a StateChanged handler that blocks. The check after the test
        // waits at most startup timeout + stop grace + 2 x the longest liveness check + 20 s (here 1 + 0 + 12.4 + 20 s), not forever.
        using var release = new ManualResetEventSlim();
        var fixture = new SleepFixture();
        await fixture.InitializeAsync();
        try
        {
            var scope = await fixture.BeginTestAsync(TestContext.Current.CancellationToken);
            fixture.Process.StateChanged += (_, change) =>
            {
                if (change.Current == LiveProcessState.Stopping)
                {
                    release.Wait(TestContext.Current.CancellationToken);
                }
            };
            var stop = Task.Run(() => fixture.Process.StopAsync(cancellationToken: TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
            while (fixture.Process.State != LiveProcessState.Stopping)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            try
            {
                await scope.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            }
            finally
            {
                release.Set();
                await stop;
            }

            Assert.Equal(LiveProcessState.Stopped, fixture.Process.State);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private sealed class AppFixture : LiveProcessFixture
    {
        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) =>
            TestAppPaths.Builder().WithName(Name);
    }

    private sealed class BrokenAppFixture(bool skip) : LiveProcessFixture
    {
        protected override bool SkipWhenUnavailable => skip;

        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) =>
            TestAppPaths.Builder("--exit-during-startup", "3").WithName(Name).WithStartRetries(0).WithRestartBudget(1, TimeSpan.FromMinutes(1));
    }

    private sealed class SleepFixture : LiveProcessFixture
    {
        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder
            .WithCommand("/bin/sleep")
            .WithArguments("120")
            .WithStartupTimeout(TimeSpan.FromSeconds(1))
            .WithStopGrace(TimeSpan.Zero);
    }

    private sealed class MisconfiguredFixture : LiveProcessFixture
    {
        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => builder;
    }
}
