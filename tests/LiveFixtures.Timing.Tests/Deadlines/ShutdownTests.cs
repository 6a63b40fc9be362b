using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed class ShutdownTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    private readonly VirtualTimeProvider _clock = new();


    [Fact]
    public async Task StopsWithinAsync_StopReturnsWhenItsTokenIsCancelled_ReturnsHowLongItTook()
    {
        var took = await Run(async ct =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), _clock, ct);
            }
            catch (OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _clock, CancellationToken.None);
            }
        });

        Assert.Equal(TimeSpan.FromMilliseconds(200), took);
    }

    [Fact]
    public async Task StopsWithinAsync_StopEndsCanceled_Passes()
    {
        await Run(ct => Task.Delay(TimeSpan.FromSeconds(30), _clock, ct));
    }

    [Fact]
    public async Task StopsWithinAsync_StopIgnoresItsToken_FailsWithHowLongItTook()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Run(_ => Task.Delay(TimeSpan.FromSeconds(3), _clock, CancellationToken.None)));

        Assert.Contains("took 3 s to complete after its token was cancelled, over its budget of 1 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopsWithinAsync_StopNeverEnds_FailsSayingItWasStillRunning()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Run(_ => Task.Delay(TimeSpan.FromHours(1), _clock, CancellationToken.None)));

        Assert.Contains("was still running 5 s after its token was cancelled (budget 1 s)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopsWithinAsync_StopFails_FailsWithItsError()
    {
        var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Run(async ct =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), _clock, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            throw new InvalidOperationException("flush failed");
        }));

        Assert.Contains("failed 0 ms after its token was cancelled, with InvalidOperationException: flush failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopsWithinAsync_StopFinishesGracefullyBeforeCancelAfter_ReturnsZero()
    {
        var run = Shutdown.StopsWithinAsync(
            _ => Task.Delay(TimeSpan.FromSeconds(2), _clock, CancellationToken.None),
            Budget,
            new ShutdownOptions { TimeProvider = _clock, CancelAfter = TimeSpan.FromSeconds(5) },
            TestContext.Current.CancellationToken);

        Assert.Equal(TimeSpan.Zero, await _clock.AutoAdvanceUntilAsync(run, TestContext.Current.CancellationToken));
    }

    private Task<TimeSpan> Run(Func<CancellationToken, Task> stop) =>
        _clock.AutoAdvanceUntilAsync(Shutdown.StopsWithinAsync(stop, Budget, new ShutdownOptions { TimeProvider = _clock }, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
}
