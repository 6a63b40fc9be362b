using Xunit;

namespace LiveFixtures.Consumer;

public sealed class SystemProgramTests
{
    [Fact(Timeout = 30_000)]
    public async Task Sleep_StartedAndStopped_EndsTheProcess()
    {
        await using var sleep = new LiveProcessBuilder("sleep")
            .WithArguments("300")
            .WithStopGrace(TimeSpan.FromSeconds(5))
            .Build();

        var generation = await sleep.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.True(generation.ProcessId > 0);
        Assert.Equal(generation.ProcessId, sleep.ProcessId);
        Assert.True(Directory.Exists($"/proc/{generation.ProcessId}"), $"pid {generation.ProcessId} should be running.");

        var report = await sleep.StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(generation.ProcessId, report.ProcessId);
        Assert.Equal(StopOutcome.Graceful, report.Outcome);
        Assert.False(Directory.Exists($"/proc/{generation.ProcessId}"), $"pid {generation.ProcessId} should be gone after the stop.");
    }
}
