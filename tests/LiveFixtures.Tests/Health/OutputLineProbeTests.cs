using LiveFixtures.Extensibility;
using LiveFixtures.Health;
using LiveFixtures.Testing;
using LiveFixtures.Tests.Output;
using Xunit;

namespace LiveFixtures.Tests.Health;

public sealed class OutputLineProbeTests
{
    private const int Rounds = 3000;

    [Fact(Timeout = 120_000)]
    public async Task CheckAsync_ConcurrentWritersOnBothStreams_NeverLosesTheReadyLine()
    {
        // Stdout prints its ready line between other lines while stderr writes as fast as it can, and the readiness
        // loop checks all the while (its first check subscribes with replay mid-stream). Before the fix, lines reached
        // the probe out of order and a later stderr line moved it past the ready line for good.
        OutputLog log = null!;
        ProbeState state = null!;
        IProbe probe = null!;
        var misses = new List<int>();
        await ConcurrentRounds.RunAsync(
            Rounds,
            setUp: _ =>
            {
                log = new OutputLog(1, maxLines: 2000, maxChars: 1_000_000, TimeProvider.System, file: null);
                state = new ProbeState("stress", 1, 1, new Dictionary<string, int>(), log, TimeProvider.System, (t, _) => t);
                probe = Probe.OutputLine("^ready$");
            },
            check: round =>
            {
                var result = probe.CheckAsync(state.ToContext(), TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult();
                Assert.Contains(log.Tail(2000), l => l.Text == "ready");
                if (!result.IsHealthy)
                {
                    misses.Add(round);
                }
            },
            TestContext.Current.CancellationToken,
            () =>
            {
                for (var n = 0; n < 10; n++)
                {
                    log.Append(OutputSource.StdOut, $"out {n}");
                }

                log.Append(OutputSource.StdOut, "ready");
                for (var n = 0; n < 10; n++)
                {
                    log.Append(OutputSource.StdOut, $"out after {n}");
                }
            },
            () =>
            {
                for (var n = 0; n < 40; n++)
                {
                    log.Append(OutputSource.StdErr, $"err {n}");
                }
            },
            () =>
            {
                for (var n = 0; n < 20; n++)
                {
                    if (probe.CheckAsync(state.ToContext(), TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult().IsHealthy)
                    {
                        return;
                    }
                }
            });

        Assert.True(misses.Count == 0, $"The probe stayed unhealthy with the ready line in the ring in {misses.Count} of {Rounds} rounds.");
    }

    [Fact(Timeout = 300_000)]
    public async Task CheckAsync_TestAppFloodsStderrAroundItsReadyLine_EveryStartSeesTheLine()
    {
        // The test app's own ready-line probe (the quick start's), with stderr at full speed just before and after the
        // ready line. Before the fix, a start could miss the line and wait out its startup timeout.
        const int starts = 6;
        await using var app = TestAppPaths.Builder("--stderr-flood", "3000")
            .WithName("StderrFlood")
            .WithStartupTimeout(TimeSpan.FromSeconds(30))
            .Build();

        for (var start = 1; start <= starts; start++)
        {
            var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

            Assert.Equal(start, generation.Number);
            await app.StopAsync(TimeSpan.Zero, TestContext.Current.CancellationToken);
        }
    }
}
