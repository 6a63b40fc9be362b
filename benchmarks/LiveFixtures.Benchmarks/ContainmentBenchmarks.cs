using System.Diagnostics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace LiveFixtures.Benchmarks;

/// <summary>
/// Measures what containment adds to a respawn, a cooperative stop and the record of a death, against bare
/// <see cref="Process.Start(ProcessStartInfo)"/> and SIGTERM + wait, with few and with many idle processes on the
/// machine. The tier is the run's (set LIVEFIXTURES_CGROUP_ROOT to a path that is not a cgroup to measure the fallback).
/// </summary>
[Config(typeof(Config))]
public partial class ContainmentBenchmarks
{
    private Process? _idle;
    private LiveProcess _app = null!;
    private LiveProcess _holder = null!;
    private Process? _bare;

    /// <summary>
    /// Gets or sets how many idle processes (sleep) the benchmark adds to the machine's own: children of one shell,
    /// not of the benchmark process (a subreaper host's own children are a different matter, see docs/benchmarks.md).
    /// </summary>
    [Params(0, 450)]
    public int IdleProcesses { get; set; }

    /// <summary>Starts the idle processes and the handles: sleep, and a shell whose child holds its stdout.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (IdleProcesses > 0)
        {
            _idle = Process.Start("/bin/sh", ["-c", $"i=0; while [ $i -lt {IdleProcesses} ]; do /bin/sleep 3600 & i=$((i+1)); done; wait"]);
            while (Children(_idle.Id).Count < IdleProcesses)
            {
                Thread.Sleep(50);
            }
        }

        _app = new LiveProcessBuilder("/bin/sleep").WithArguments("600").WithRestartBudget(int.MaxValue, TimeSpan.FromSeconds(1)).Build();
        _holder = new LiveProcessBuilder("/bin/sh").WithArguments("-c", "/bin/sleep 600 & exec /bin/sleep 601")
            .WithRestartBudget(int.MaxValue, TimeSpan.FromSeconds(1)).Build();
        Console.WriteLine($"// processes on the machine: {Directory.EnumerateDirectories("/proc").Count(d => char.IsDigit(Path.GetFileName(d)[0]))}");
    }

    /// <summary>Stops everything the benchmark started.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _holder.DisposeAsync().AsTask().GetAwaiter().GetResult();
        KillBare();
        if (_idle is not null)
        {
            foreach (var sleeper in Children(_idle.Id))
            {
                _ = Kill(sleeper, 9);
            }

            _idle.WaitForExit();
            _idle.Dispose();
        }
    }

    /// <summary>Kills the previous bare process (already dead in a respawn) before the next start.</summary>
    [IterationSetup(Target = nameof(RespawnBare))]
    public void KillBare()
    {
        if (_bare is not null)
        {
            _bare.Kill();
            _bare.WaitForExit();
            _bare.Dispose();
            _bare = null;
        }
    }

    /// <summary>The floor of a respawn: Process.Start of the app with its standard streams redirected.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Respawn")]
    public void RespawnBare() => _bare = Process.Start(new ProcessStartInfo("/bin/sleep", "600") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;

    /// <summary>Kills the current generation from outside and waits until the handle has recorded the death.</summary>
    [IterationSetup(Target = nameof(Respawn))]
    public void KillGeneration() => KillAndWait(_app);

    /// <summary>A respawn: EnsureReadyAsync ends what is left of the dead generation and starts the next one.</summary>
    [Benchmark]
    [BenchmarkCategory("Respawn")]
    public void Respawn() => _app.EnsureReadyAsync().GetAwaiter().GetResult();

    /// <summary>Starts a bare process to stop.</summary>
    [IterationSetup(Target = nameof(StopBare))]
    public void StartBare()
    {
        KillBare();
        _bare = Process.Start(new ProcessStartInfo("/bin/sleep", "600") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true })!;
    }

    /// <summary>The floor of a cooperative stop: SIGTERM and wait for the exit.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Stop")]
    public void StopBare()
    {
        _ = Kill(_bare!.Id, 15);
        _bare.WaitForExit();
    }

    /// <summary>Starts a generation to stop.</summary>
    [IterationSetup(Target = nameof(Stop))]
    public void StartGeneration() => _app.EnsureReadyAsync().GetAwaiter().GetResult();

    /// <summary>A cooperative stop: SIGTERM to the group, the exit, then the kill of whatever the containment still holds.</summary>
    [Benchmark]
    [BenchmarkCategory("Stop")]
    public void Stop() => _app.StopAsync().GetAwaiter().GetResult();

    /// <summary>Starts a bare process whose exit is then awaited.</summary>
    [IterationSetup(Target = nameof(ExitSeenBare))]
    public void StartBareForExit() => StartBare();

    /// <summary>The floor of seeing a death: SIGKILL and Process.WaitForExit.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("DeathRecorded")]
    public void ExitSeenBare()
    {
        _ = Kill(_bare!.Id, 9);
        _bare.WaitForExit();
    }

    /// <summary>Starts a generation whose child holds its stdout open.</summary>
    [IterationSetup(Target = nameof(DeathRecorded))]
    public void StartHolder() => _holder.EnsureReadyAsync().GetAwaiter().GetResult();

    /// <summary>Seeing a death: SIGKILL to the root, whose child still holds stdout, until WhenExited has the record.</summary>
    [Benchmark]
    [BenchmarkCategory("DeathRecorded")]
    public void DeathRecorded()
    {
        var record = _holder.WhenExited;
        _ = Kill(_holder.Current!.ProcessId, 9);
        record.GetAwaiter().GetResult();
    }

    private static void KillAndWait(LiveProcess app)
    {
        var generation = app.EnsureReadyAsync().GetAwaiter().GetResult();
        var record = app.WhenExited;
        _ = Kill(generation.ProcessId, 9);
        record.GetAwaiter().GetResult();
    }

    private static List<int> Children(int pid) =>
        [.. Directory.EnumerateDirectories($"/proc/{pid}/task").SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse)];

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>Each operation alone: one invocation per iteration (a process started or stopped), 100 iterations, in-process.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithStrategy(RunStrategy.Monitoring)
                .WithLaunchCount(1)
                .WithWarmupCount(5)
                .WithIterationCount(100)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithId("OneByOne"));
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);

            // On a shared machine the mean is mostly other people's load: the minimum and the median say more.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Min, BenchmarkDotNet.Columns.StatisticColumn.Median, BenchmarkDotNet.Columns.StatisticColumn.P90);
            WithOptions(ConfigOptions.JoinSummary);
        }
    }
}
