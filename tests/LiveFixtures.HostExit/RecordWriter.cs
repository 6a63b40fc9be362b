using System.Globalization;
using LiveFixtures.Records;

namespace LiveFixtures.HostExit;

/// <summary>
/// "records STORE RUNID COUNT": records COUNT generations in its own run, one write per generation, as a test host
/// does, so that a test can run several of these at once and check that no record is lost.
/// </summary>
internal static class RecordWriter
{
    public static int Run(string store, string runId, int count)
    {
        var recorder = new RunRecorder(new RunStore(store), TimeProvider.System, runId);
        for (var i = 1; i <= count; i++)
        {
            recorder.Started(new GenerationRecord
            {
                Fixture = "Writer",
                Generation = i,
                Cookie = string.Create(CultureInfo.InvariantCulture, $"{runId}-{i}"),
                Process = ProcessIdentity.Current,
                Started = DateTimeOffset.UtcNow,
            });
            recorder.Update("Writer", i, string.Create(CultureInfo.InvariantCulture, $"{runId}-{i}"), g => g.Status = "stopped");
        }

        recorder.Ended("completed");
        return 0;
    }
}
