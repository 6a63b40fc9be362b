using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Records;

namespace LiveFixtures.Benchmarks.Figures;

/// <summary>
/// The cost of one write of a run's record as its history grows: a crash-looping fixture whose run already holds 10,
/// 100 and 1,000 generations (each started, ready and died, as the handle records them), then one more generation's
/// respawn written (the background writer's work: what a respawn costs the disk). Bytes are what the writing thread
/// passed to <c>write</c> (<c>/proc/thread-self/io</c>), so they count whatever the format rewrites.
/// </summary>
internal static class RecordFigures
{
    private static readonly int[] Sizes = [10, 100, 1000];

    public static void Run(Report report, int rounds)
    {
        report.Line($"Run record writes: a crash-looping fixture's run holding N generations, then {rounds} more respawns each written at once (Flush, as the background writer does); median and largest of those writes.");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var size in Sizes)
        {
            var root = Directory.CreateTempSubdirectory("lf-record-figures-").FullName;
            try
            {
                var recorder = new RunRecorder(new RunStore(Path.Combine(root, "state")), TimeProvider.System, "figures");
                for (var g = 1; g <= size; g++)
                {
                    Respawn(recorder, g);
                }

                var micros = new List<double>();
                var bytes = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    var before = WrittenByThisThread();
                    var watch = Stopwatch.StartNew();
                    Respawn(recorder, size + 1 + round);
                    micros.Add(watch.Elapsed.TotalMicroseconds);
                    bytes.Add(WrittenByThisThread() - before);
                }

                var file = Directory.EnumerateFiles(Path.Combine(root, "state", "runs")).Sum(f => new FileInfo(f).Length);
                var store = new RunStore(Path.Combine(root, "state"));
                var reads = new List<double>();
                for (var round = 0; round < 5; round++)
                {
                    var watch = Stopwatch.StartNew();
                    _ = store.Read("figures") ?? throw new InvalidOperationException("The run's record could not be read back.");
                    reads.Add(watch.Elapsed.TotalMilliseconds);
                }

                // The run ends: its final flush rewrites the log compacted (a line per generation and the run's line).
                var end = Stopwatch.StartNew();
                recorder.Ended("completed");
                var ended = end.Elapsed.TotalMilliseconds;
                var compacted = Directory.EnumerateFiles(Path.Combine(root, "state", "runs"), "*.jsonl").Sum(f => new FileInfo(f).Length);
                var compactedReads = new List<double>();
                for (var round = 0; round < 5; round++)
                {
                    var watch = Stopwatch.StartNew();
                    _ = store.Read("figures") ?? throw new InvalidOperationException("The compacted run's record could not be read back.");
                    compactedReads.Add(watch.Elapsed.TotalMilliseconds);
                }

                rows.Add([
                    size.ToString("N0", CultureInfo.InvariantCulture),
                    Report.Median(micros).ToString("N0", CultureInfo.InvariantCulture),
                    micros.Max().ToString("N0", CultureInfo.InvariantCulture),
                    Report.Median(bytes).ToString("N0", CultureInfo.InvariantCulture),
                    bytes.Max().ToString("N0", CultureInfo.InvariantCulture),
                    file.ToString("N0", CultureInfo.InvariantCulture),
                    Report.Median(reads).ToString("N1", CultureInfo.InvariantCulture),
                    ended.ToString("N1", CultureInfo.InvariantCulture),
                    compacted.ToString("N0", CultureInfo.InvariantCulture),
                    Report.Median(compactedReads).ToString("N1", CultureInfo.InvariantCulture),
                ]);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        report.Table(["generations before", "respawn written, median µs", "largest µs", "bytes written, median", "largest", "run file, bytes", "read back whole, median ms", "run end (flush + compaction) ms", "compacted file, bytes", "compacted read back, median ms"], rows);
    }

    /// <summary>What the handle records for one crash-loop round: the previous generation died, the next one started and became ready; written as the writer writes, twice (the death with the start, then the ready).</summary>
    private static void Respawn(RunRecorder recorder, int generation)
    {
        var now = DateTimeOffset.UtcNow;
        if (generation > 1)
        {
            recorder.Update("Crashy", generation - 1, Cookie(generation - 1), g =>
            {
                g.Status = "died";
                g.Ended = now;
                g.ExitCode = 134;
                g.Signal = "SIGABRT";
                g.Cause = "exit code 134 (SIGABRT)";
                g.Test = "CrashingTests.Crash_KillsTheSharedApp";
            });
        }

        recorder.Started(new GenerationRecord
        {
            Fixture = "Crashy",
            Generation = generation,
            Cookie = Cookie(generation),
            Process = ProcessIdentity.Current,
            Containment = "cgroup",
            Cgroup = $"/sys/fs/cgroup/livefixtures-1234-abcdef/crashy-{generation}",
            CommandLine = ["/usr/bin/dotnet", "/home/user/src/app/bin/Debug/net10.0/App.dll", "--urls", "http://127.0.0.1:41000", "--token=***"],
            Ports = new() { ["port"] = 41000 },
            LogFile = $"/tmp/logs/Crashy-gen{generation}.log",
            Started = now,
        });
        recorder.Flush();
        recorder.Update("Crashy", generation, Cookie(generation), g => g.Ready = DateTimeOffset.UtcNow);
        recorder.Flush();
    }

    private static string Cookie(int generation) => string.Create(CultureInfo.InvariantCulture, $"0123456789abcdef-{generation}");

    private static long WrittenByThisThread()
    {
        foreach (var line in File.ReadLines("/proc/thread-self/io"))
        {
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
