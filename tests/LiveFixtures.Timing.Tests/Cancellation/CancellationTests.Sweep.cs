using LiveFixtures.Timing;
using Polly;
using Polly.Retry;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed partial class CancellationTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task SweepAsync_OperationObservesItsTokenAtEveryStep_PassesAndCountsTheSteps()
    {
        var steps = await Cancellation.SweepAsync(
            async context =>
            {
                for (var i = 0; i < 3; i++)
                {
                    await Task.Delay(Second, context.Clock, context.CancellationToken);
                }
            },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, steps);
    }

    [Fact]
    public async Task SweepAsync_OperationWrapsTheCancellationAtOneStep_FailsNamingThatStepAndHowToReplayIt()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Cancellation.SweepAsync(ThreeSteps, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("failed at 1 of 3 step(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("step 2 (Task.Delay armed, due in 1 s): The operation ended Faulted with InvalidOperationException", error.Message, StringComparison.Ordinal);
        Assert.Contains("OnlyStep = 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SweepAsync_OnlyStep_ReplaysJustThatStep()
    {
        var runs = new List<int?>();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Cancellation.SweepAsync(
            context =>
            {
                runs.Add(context.CancelAtStep);
                return ThreeSteps(context);
            },
            new CancellationSweepOptions { OnlyStep = 2 },
            TestContext.Current.CancellationToken));

        Assert.Equal([null, 2], runs);
        Assert.Contains("failed at 1 of 3 step(s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SweepAsync_OperationIgnoresItsTokenAtOneStep_FailsAsStillRunning()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Cancellation.SweepAsync(
            async context =>
            {
                await Task.Delay(Second, context.Clock, context.CancellationToken);
                await Task.Delay(TimeSpan.FromMinutes(5), context.Clock, CancellationToken.None);
            },
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("step 2 (Task.Delay armed, due in 5 min): The operation was still running 1 s after its token was cancelled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SweepAsync_ManualStepsAroundNonTimerAwaits_CancelsInsideTheStepCall()
    {
        var steps = await Cancellation.SweepAsync(
            async context =>
            {
                foreach (var page in new[] { "first page", "second page" })
                {
                    context.Step(page);
                    await Task.Yield();
                    context.CancellationToken.ThrowIfCancellationRequested();
                }
            },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, steps);
    }

    [Fact]
    public async Task SweepAsync_PollyRetryPipelineOnTheContextsClock_HonoursCancellationAtEveryRetryDelay()
    {
        var steps = await Cancellation.SweepAsync(
            async context =>
            {
                var attempts = 0;
                var pipeline = new ResiliencePipelineBuilder { TimeProvider = context.Clock }
                    .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 3, Delay = Second, ShouldHandle = new PredicateBuilder().Handle<TimeoutException>() })
                    .Build();
                await pipeline.ExecuteAsync(_ => ++attempts < 4 ? throw new TimeoutException() : ValueTask.CompletedTask, context.CancellationToken);
            },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, steps);
    }

    [Fact]
    public async Task SweepAsync_OperationTakesNoStep_FailsSayingHowToMarkSteps()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Cancellation.SweepAsync(_ => Task.CompletedTask, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("took no step", error.Message, StringComparison.Ordinal);
        Assert.Contains("context.Step()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SweepAsync_OperationFailsWithoutCancellation_FailsBeforeSweeping()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Cancellation.SweepAsync(
            async context =>
            {
                await Task.Delay(Second, context.Clock, context.CancellationToken);
                throw new InvalidOperationException("broken");
            },
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("when run without cancellation", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    private static async Task ThreeSteps(CancellationSweepContext context)
    {
        await Task.Delay(Second, context.Clock, context.CancellationToken);
        try
        {
            await Task.Delay(Second, context.Clock, context.CancellationToken);
        }
        catch (OperationCanceledException e)
        {
            throw new InvalidOperationException("Saving failed.", e);
        }

        await Task.Delay(Second, context.Clock, context.CancellationToken);
    }
}
