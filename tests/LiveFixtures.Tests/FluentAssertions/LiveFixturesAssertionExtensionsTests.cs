using FluentAssertions;
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
        Func<CancellationToken, Task> ignoresToken = _ => Task.Delay(TimeSpan.FromSeconds(30), clock, CancellationToken.None);

        var completing = quick.Should().CompleteWithinAsync(TimeSpan.FromSeconds(2), clock);
        await clock.AdvanceAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await completing;
        await quick.Should().ObserveCancellationWithinAsync(TimeSpan.FromSeconds(1), clock);

        var missing = ignoresToken.Should().ObserveCancellationWithinAsync(TimeSpan.FromMilliseconds(10), clock);
        await clock.AdvanceAsync(TimeSpan.FromSeconds(31), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<TimingAssertionException>(() => missing);
    }
}
