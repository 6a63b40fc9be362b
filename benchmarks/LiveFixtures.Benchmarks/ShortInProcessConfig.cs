using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace LiveFixtures.Benchmarks;

/// <summary>
/// Runs each benchmark in this process (so the test app is found next to this build, and no child project is generated)
/// with a short job: one launch, 3 warm-up and 10 measured iterations, and allocations counted.
/// </summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    /// <summary>Initializes the config with the short in-process job and the memory diagnoser.</summary>
    public ShortInProcessConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Throughput)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithId("ShortInProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
