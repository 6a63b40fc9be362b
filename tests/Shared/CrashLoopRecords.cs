using System.Globalization;
using LiveFixtures.Records;

namespace LiveFixtures.Testing;

/// <summary>
/// Drives a run recorder as a crash-looping fixture's handle does, for the record-log tests and the record figures:
/// the same writes, so that the test's bounds and the benchmark's figures are about the same thing.
/// </summary>
internal static class CrashLoopRecords
{
    /// <summary>The fixture name the rounds record.</summary>
    public const string Fixture = "Crashy";

    /// <summary>
    /// What the handle records for one crash-loop round: the previous generation died, the next one started and became
    /// ready; written as the background writer writes, twice (the death with the start, then the ready).
    /// </summary>
    public static void Respawn(RunRecorder recorder, int generation)
    {
        var now = DateTimeOffset.UtcNow;
        if (generation > 1)
        {
            recorder.Update(Fixture, generation - 1, Cookie(generation - 1), g =>
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
            Fixture = Fixture,
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
        recorder.Update(Fixture, generation, Cookie(generation), g => g.Ready = DateTimeOffset.UtcNow);
        recorder.Flush();
    }

    /// <summary>The cookie the rounds give a generation.</summary>
    public static string Cookie(int generation) => string.Create(CultureInfo.InvariantCulture, $"0123456789abcdef-{generation}");

    /// <summary>Gets the bytes the calling thread has passed to <c>write</c> so far, as the kernel counts them (<c>/proc/thread-self/io</c>).</summary>
    public static long WrittenByThisThread()
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
