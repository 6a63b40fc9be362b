using FluentAssertions;
using LiveFixtures.FluentAssertions;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Consumer;

/// <summary>The timing helpers from the package, with no process: as a user of LiveFixtures.Timing alone would.</summary>
public sealed class TimingTests
{
    [Fact(Timeout = 30_000)]
    public async Task Deadline_OperationThatIgnoresItsToken_FailsAsAnAssertion()
    {
        var clock = new VirtualTimeProvider();

        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => clock.AutoAdvanceUntilAsync(
            Deadline.CompleteWithinAsync(
                TimeSpan.FromSeconds(1),
                _ => Task.Delay(TimeSpan.FromMinutes(5), clock),
                new DeadlineOptions { TimeProvider = clock, Grace = TimeSpan.Zero },
                TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken));

        Assert.Contains("IAssertionException", error.GetType().GetInterfaces().Select(i => i.Name));
    }

    [Fact]
    public async Task Should_CancellableOperation_HonoursCancellation()
    {
        Func<CancellationToken, Task> operation = token => Task.Delay(Timeout.Infinite, token);

        await operation.Should().ObserveCancellationWithinAsync(TimeSpan.FromSeconds(1), cancellationToken: TestContext.Current.CancellationToken);
    }
}
