using System.Diagnostics;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>What a caller can observe agrees: once any API reports a generation dead, <see cref="LiveProcess.State"/> says so too.</summary>
public sealed class LiveProcessStateConsistencyTests
{
    private const int Iterations = 150;

    [Fact(Timeout = 240_000)]
    public async Task CheckAsync_GenerationKilled_StateIsNeverReadyOnceADeathIsVisible()
    {
        // No process group: the handle's pid is the sleep itself, so the kill below hits the process we verified.
        await using var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120").WithProcessGroup(false)
            .WithRestartBudget(Iterations + 10, TimeSpan.FromHours(1)).Build();
        var violations = new List<string>();
        for (var i = 0; i < Iterations; i++)
        {
            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
            var deathsBefore = app.Deaths.Count;
            using var stop = new CancellationTokenSource();

            // A parallel reader: the moment the death shows in Deaths, State must already have left Ready.
            var reader = Task.Run(
                () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var deaths = app.Deaths.Count;
                        var state = app.State;
                        if (deaths > deathsBefore && state == LiveProcessState.Ready)
                        {
                            return $"generation {generation.Number}: Deaths lists it while State reads Ready";
                        }
                    }

                    return null;
                },
                TestContext.Current.CancellationToken);

            await KillAsync(app, generation, TestContext.Current.CancellationToken);
            DeathRecord? death = null;
            while (death is null)
            {
                death = await app.CheckAsync(TestContext.Current.CancellationToken);
                var state = app.State;
                if (death is not null && state == LiveProcessState.Ready)
                {
                    violations.Add($"generation {generation.Number}: CheckAsync reported {death.DescribeCause()} while State reads Ready");
                }
            }

            var afterWait = await app.WhenExited.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            if (afterWait.Cause == DeathCause.Exited && app.State == LiveProcessState.Ready)
            {
                violations.Add($"generation {generation.Number}: WhenExited completed while State reads Ready");
            }

            await stop.CancelAsync();
            if (await reader is { } seen)
            {
                violations.Add(seen);
            }
        }

        await app.StopAsync(TimeSpan.Zero, TestContext.Current.CancellationToken);
        Assert.True(violations.Count == 0, $"{violations.Count} of {Iterations} kills were observed inconsistently:{Environment.NewLine}{string.Join(Environment.NewLine, violations)}");
    }

    /// <summary>
    /// SIGKILLs the generation's process after checking that it is the handle's current pid and our sleep (in the cgroup tier
    /// the pid is first the launch shim, which execs the sleep a moment later).
    /// </summary>
    private static async Task KillAsync(LiveProcess app, LiveGeneration generation, CancellationToken cancellationToken)
    {
        Assert.Equal(generation.ProcessId, app.ProcessId);
        using var process = Process.GetProcessById(generation.ProcessId);
        for (var i = 0; i < 500 && process.ProcessName != "sleep"; i++)
        {
            await Task.Delay(5, cancellationToken);
            process.Refresh();
        }

        Assert.Equal("sleep", process.ProcessName);
        process.Kill();
    }
}
