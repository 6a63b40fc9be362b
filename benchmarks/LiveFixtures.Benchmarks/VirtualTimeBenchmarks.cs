using BenchmarkDotNet.Attributes;
using LiveFixtures.Timing;

namespace LiveFixtures.Benchmarks;

/// <summary>
/// Measures what virtual time costs in real time (issue 10): an asynchronous advance that fires nothing, and a
/// 30-minute heartbeat (180 ticks of 10 s) driven by one <see cref="VirtualTimeProvider.AdvanceAsync"/>, outside and
/// inside a scope the clock owns, and with a <see cref="PeriodicTimer"/> whose ticks run work on the thread pool.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class VirtualTimeBenchmarks
{
    private const int Advances = 20;

    /// <summary>Twenty advances of one second that fire nothing, on a clock that has no timer; reported per advance.</summary>
    [Benchmark(OperationsPerInvoke = Advances)]
    public async Task AdvanceFiringNothing()
    {
        var clock = new VirtualTimeProvider();
        for (var i = 0; i < Advances; i++)
        {
            await clock.AdvanceAsync(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>A heartbeat of <c>await Task.Delay(10 s, clock)</c> run for 30 virtual minutes by one advance: 180 ticks.</summary>
    [Benchmark]
    public async Task HeartbeatThirtyMinutes()
    {
        var clock = new VirtualTimeProvider();
        await HeartbeatAsync(clock).ConfigureAwait(false);
    }

    /// <summary>The same heartbeat inside <see cref="VirtualTimeProvider.RunAsync"/>, on the scope's thread.</summary>
    [Benchmark]
    public async Task HeartbeatThirtyMinutesInScope()
    {
        var clock = new VirtualTimeProvider();
        await clock.RunAsync(() => HeartbeatAsync(clock));
    }

    /// <summary>A <see cref="PeriodicTimer"/> of 10 s whose every tick awaits a <c>Task.Run</c>, for 30 virtual minutes: 180 ticks, none lost.</summary>
    [Benchmark]
    public async Task PeriodicSnapshotsThirtyMinutes()
    {
        var clock = new VirtualTimeProvider();
        using var stop = new CancellationTokenSource();
        var snapshots = 0;
        var loop = Loop();
        await clock.WaitForTimersAsync(1);
        await clock.AdvanceAsync(TimeSpan.FromMinutes(30));
        await stop.CancelAsync();
        await loop;
        Check(snapshots, "snapshots");

        async Task Loop()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), clock);
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token))
                {
                    await Task.Run(() => Interlocked.Increment(ref snapshots));
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }
    }

    private static async Task HeartbeatAsync(VirtualTimeProvider clock)
    {
        using var stop = new CancellationTokenSource();
        var beats = 0;
        var loop = Loop();
        await clock.AdvanceAsync(TimeSpan.FromMinutes(30));
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        Check(beats, "beats");

        async Task Loop()
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), clock, stop.Token);
                beats++;
            }
        }
    }

    private static void Check(int ticks, string what)
    {
        if (ticks != 180)
        {
            throw new InvalidOperationException($"Expected 180 {what} in 30 virtual minutes, got {ticks}: the measurement is of a broken run.");
        }
    }
}
