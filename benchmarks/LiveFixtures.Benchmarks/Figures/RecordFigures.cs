using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Records;
using LiveFixtures.Testing;

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
                    CrashLoopRecords.Respawn(recorder, g);
                }

                var micros = new List<double>();
                var bytes = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    var before = CrashLoopRecords.WrittenByThisThread();
                    var watch = Stopwatch.StartNew();
                    CrashLoopRecords.Respawn(recorder, size + 1 + round);
                    micros.Add(watch.Elapsed.TotalMicroseconds);
                    bytes.Add(CrashLoopRecords.WrittenByThisThread() - before);
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
}
