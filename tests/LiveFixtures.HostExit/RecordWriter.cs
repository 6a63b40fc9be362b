using System.Globalization;
using LiveFixtures.Records;

namespace LiveFixtures.HostExit;

/// <summary>
/// "records STORE RUNID COUNT": records COUNT generations in its own run, one write per generation, as a test host
/// does, so that a test can run several of these at once and check that no record is lost ("records-open": the
/// generations are left running). "marks STORE RUNID FIRST STEP LAST STATUS": marks generations FIRST, FIRST+STEP, ...
/// up to LAST of another run reaped or gone, one append each, as the watchdog and a later run's sweep do.
/// </summary>
internal static class RecordWriter
{
    public static int Run(string store, string runId, int count, bool stop = true)
    {
        var recorder = new RunRecorder(new RunStore(store), TimeProvider.System, runId);
        for (var i = 1; i <= count; i++)
        {
            recorder.Started(new GenerationRecord
            {
                Fixture = "Writer",
                Generation = i,
                Cookie = Cookie(runId, i),
                Process = ProcessIdentity.Current,
                Started = DateTimeOffset.UtcNow,
            });
            if (stop)
            {
                recorder.Update("Writer", i, Cookie(runId, i), g => g.Status = "stopped");
            }
            else
            {
                recorder.Flush(); // one write per generation, as a crash loop's respawns make them
            }
        }

        recorder.Ended("completed");
        return 0;
    }

    public static int Mark(string store, string runId, int first, int step, int last, string status)
    {
        var records = new RunStore(store);
        var by = string.Create(CultureInfo.InvariantCulture, $"marks pid {Environment.ProcessId}");
        var marked = 0;
        for (var i = first; i <= last; i += step)
        {
            // Waits for the run's log, as a sweep only marks what it read; then appends, never rewrites.
            while (!records.Mark(runId, [new RecordMark { Fixture = "Writer", Generation = i, Cookie = Cookie(runId, i), Status = status, Signal = "SIGTERM", At = DateTimeOffset.UtcNow, By = by }]))
            {
                Thread.Sleep(1);
            }

            marked++;
        }

        Console.WriteLine(marked.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    private static string Cookie(string runId, int generation) => string.Create(CultureInfo.InvariantCulture, $"{runId}-{generation}");
}
