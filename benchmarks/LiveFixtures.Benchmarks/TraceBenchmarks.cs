using BenchmarkDotNet.Attributes;
using LiveFixtures.Records;

namespace LiveFixtures.Benchmarks;

/// <summary>
/// Measures a trace call site as the library writes it (<c>if (DecisionTrace.IsOn) DecisionTrace.Write(...)</c>) against
/// the same work without it. Run without LIVEFIXTURES_TRACE it is the cost when off (a static readonly the JIT folds);
/// run with LIVEFIXTURES_TRACE=/some/file it is the cost of one traced line.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class TraceBenchmarks
{
    private int _attempt;

    /// <summary>The work of a call site, without the trace.</summary>
    /// <returns>A number, so that the work is not removed.</returns>
    [Benchmark(Baseline = true)]
    public int Untraced() => ++_attempt;

    /// <summary>The same work with the trace call site of the liveness check.</summary>
    /// <returns>A number, so that the work is not removed.</returns>
    [Benchmark]
    public int Traced()
    {
        var attempt = ++_attempt;
        if (DecisionTrace.IsOn)
        {
            DecisionTrace.Write("health", $"LiveGui generation 1 (pid 4242) liveness attempt {attempt}: healthy: GET /health answered 200; kernel says Alive");
        }

        return attempt;
    }
}
