using BenchmarkDotNet.Attributes;
using LiveFixtures.Platform;
using LiveFixtures.Records;

namespace LiveFixtures.Benchmarks;

/// <summary>
/// Measures what run tracking adds: the next run's search for leftovers (one read of the store, made once per test
/// host at its first start) on an empty store and on stores holding the records of many runs that ended normally,
/// and one recorded change on the respawn path (applied in memory; the write happens on the background writer).
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class RunRecordsBenchmarks
{
    private string _root = "";
    private RunStore _store = null!;
    private RunRecorder _recorder = null!;
    private int _change;

    /// <summary>Gets or sets how many ended runs (10 generations each) the store holds.</summary>
    [Params(0, 100, 1000)]
    public int Runs { get; set; }

    /// <summary>Fills a temporary store with the records of <see cref="Runs"/> runs that ended normally.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("lf-bench-store-").FullName;
        _store = new RunStore(Path.Combine(_root, "state"));
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Runs; i++)
        {
            var run = new RunRecord { RunId = $"run-{i}", Host = new ProcessIdentity { Pid = int.MaxValue - 7, StartTicks = 1, BootId = ProcessIdentity.CurrentBootId, PidNamespace = ProcessIdentity.CurrentPidNamespace }, Started = now, Ended = now, EndedHow = "completed", TestAssembly = "Bench" };
            for (var g = 1; g <= 10; g++)
            {
                run.Generations.Add(new GenerationRecord { Fixture = "App", Generation = g, Cookie = $"c{g}", Status = "stopped", Ended = now, CommandLine = ["/usr/bin/dotnet", "App.dll", "--port", "41000"], Ports = new() { ["port"] = 41000 } });
            }

            _store.Write(run);
        }

        _recorder = new RunRecorder(new RunStore(Path.Combine(_root, "recorder")), TimeProvider.System, "bench");
        _recorder.Started(new GenerationRecord { Fixture = "App", Generation = 1, Cookie = "c" });
    }

    /// <summary>Deletes the temporary store.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _recorder.Flush();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The sweep's search: reads every record and checks what may still run (nothing, here).</summary>
    /// <returns>The leftovers found.</returns>
    [Benchmark]
    public int FindLeftovers() => new Leftovers(_store, ProcessTables.Current, TimeProvider.System).Find().Count;

    /// <summary>One recorded change as the handle makes it on the respawn path: applied in memory, the writer woken.</summary>
    /// <returns>Whether the generation was found.</returns>
    [Benchmark]
    public bool RecordChange() => _recorder.Update("App", 1, "c", g => g.ExitCode = ++_change);
}
