using FluentAssertions;
using FluentAssertions.Execution;
using LiveFixtures.FluentAssertions;
using LiveFixtures.Testing;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.FluentAssertions;

public sealed class LiveFixturesAssertionExtensionsTests
{

    [Fact(Timeout = 60_000)]
    public async Task Should_Handle_ReadyAliveAndExitedWith()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        app.Should().BeReady().And.BeAlive();
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "exit/3");
        await app.WhenExited.WaitAsync(TestContext.Current.CancellationToken);

        app.Should().HaveExitedWith(3);
        var notReady = () => app.Should().BeReady();
        notReady.Should().Throw<Exception>().WithMessage("*to be Ready*but it is Dead*exit code 3*");
        var wrongCode = () => app.Should().HaveExitedWith(0);
        wrongCode.Should().Throw<Exception>().WithMessage("*exited with code 0*ended with exit code 3*");
    }

    [Fact(Timeout = 60_000)]
    public async Task Should_StopReport_GracefulWithinExitCodeAndLogged()
    {
        await using var app = TestAppPaths.Builder().Build();
        await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var report = await app.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        report.Should().BeGracefulWithin(TimeSpan.FromSeconds(5)).And.HaveExitCode(0).And.HaveLogged("drained 0 in-flight");
        var tooFast = () => report.Should().BeGracefulWithin(TimeSpan.Zero);
        tooFast.Should().Throw<Exception>().WithMessage("*within*but it took*");
    }

    [Fact]
    public async Task Should_CancellableOperation_CompletesWithinOnVirtualClockAndObservesCancellation()
    {
        var clock = new VirtualTimeProvider();
        Func<CancellationToken, Task> quick = token => Task.Delay(TimeSpan.FromSeconds(1), clock, token);

        await clock.AutoAdvanceUntilAsync(quick.Should().CompleteWithinAsync(TimeSpan.FromSeconds(2), new DeadlineOptions { TimeProvider = clock }, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await clock.AutoAdvanceUntilAsync(
            quick.Should().ObserveCancellationWithinAsync(TimeSpan.FromSeconds(1), CancelTrigger.After(TimeSpan.FromMilliseconds(500)), new CancellationOptions { TimeProvider = clock }, TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Should_CancellableOperationInAnAssertionScope_AddsEveryFailureToTheScopeWithItsReason()
    {
        var clock = new VirtualTimeProvider();
        var sync = new NightlySync(clock);
        Func<CancellationToken, Task> stubborn = sync.RunIgnoringTheTokenAsync;

        var error = await Record.ExceptionAsync(async () =>
        {
            using (new AssertionScope())
            {
                await clock.AutoAdvanceUntilAsync(
                    stubborn.Should().ObserveCancellationWithinAsync(
                        TimeSpan.FromSeconds(1), CancelTrigger.After(TimeSpan.FromSeconds(2)), new CancellationOptions { TimeProvider = clock }, TestContext.Current.CancellationToken, "the nightly sync must stop when {0} shuts down", "the host"),
                    TestContext.Current.CancellationToken);
                await clock.AutoAdvanceUntilAsync(
                    stubborn.Should().CompleteWithinAsync(TimeSpan.FromSeconds(5), new DeadlineOptions { TimeProvider = clock }, TestContext.Current.CancellationToken, "a sync takes {0} at most", "5 s"),
                    TestContext.Current.CancellationToken);
                await stubborn.Should().HonourAPreCancelledTokenAsync(new CancellationOptions { TimeProvider = clock }, TestContext.Current.CancellationToken, "a cancelled sync must not start");
            }
        });

        Assert.NotNull(error);
        Assert.IsNotType<TimingAssertionException>(error);
        Assert.Contains("because the nightly sync must stop when the host shuts down, but: The operation was still running 1 s after its token was cancelled", error.Message, StringComparison.Ordinal);
        Assert.Contains("because a sync takes 5 s at most, but: The operation missed its 5 s deadline", error.Message, StringComparison.Ordinal);
        Assert.Contains("because a cancelled sync must not start, but: ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A nightly sync whose buggy variant ignores its token: ten seconds of work on the clock, whatever happens.</summary>
    private sealed class NightlySync(TimeProvider clock)
    {
        public Task RunIgnoringTheTokenAsync(CancellationToken cancellationToken) => Task.Delay(TimeSpan.FromSeconds(10), clock, CancellationToken.None);
    }
}
