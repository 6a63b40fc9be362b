using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveFixtures.Platform;
using Microsoft.Win32.SafeHandles;

namespace LiveFixtures.Watchdog;

/// <summary>
/// The watchdog process itself (run by the launcher assembly, in its own session, outside the host's tree): reads what
/// its host tells it on standard input, and when that pipe reaches its end and the host has exited, stops the
/// generations it was told about and that are still running (<see cref="RunWatch"/>), then exits.
/// </summary>
/// <remarks>Arguments: <c>--host PID:STARTTICKS --run RUNID --store DIR --grace-ms N</c>. Standard output carries its
/// answers to the host ("ready PID TICKS", "Y N"); standard error is its log.</remarks>
internal static class WatchdogProcess
{
    /// <summary>How often the watchdog looks at the process-group tier's descendants while the host lives: every 20 ms.</summary>
    public static readonly TimeSpan LookInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs the watchdog; returns its exit code.</summary>
    public static int Run(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        if (!options.TryGetValue("--host", out var host) || host.Split(':') is not [var pidText, var ticksText]
            || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var hostPid)
            || !ulong.TryParse(ticksText, NumberStyles.None, CultureInfo.InvariantCulture, out var hostTicks))
        {
            Console.Error.WriteLine("livefixtures-watchdog: usage: --host PID:STARTTICKS --run RUNID --store DIR --grace-ms N");
            return 2;
        }

        // Its own session: no terminal's hang-up and no kill of the host's group reaches it.
        _ = LinuxNative.SetSid();
        var grace = TimeSpan.FromMilliseconds(options.TryGetValue("--grace-ms", out var g) && int.TryParse(g, CultureInfo.InvariantCulture, out var ms) ? ms : 300);
        var watch = new RunWatch(hostPid, hostTicks, options.GetValueOrDefault("--run") ?? "", options.GetValueOrDefault("--store"), grace, Log);
        PruneLogs(options.GetValueOrDefault("--log"));
        var self = ProcessIdentity.Current;
        Answer($"ready {self.Pid} {self.StartTicks}");
        Log($"watching host pid {hostPid} (run {options.GetValueOrDefault("--run")}); host {(watch.HostAlive() ? "alive" : "already gone")}");

        var wake = new AutoResetEvent(false);
        var queue = new Queue<string>();
        var ended = false;
        var reader = new Thread(() =>
        {
            using var input = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1);
            using var lines = new StreamReader(input, Encoding.UTF8);
            while (lines.ReadLine() is { } line)
            {
                lock (queue)
                {
                    queue.Enqueue(line);
                }

                wake.Set();
            }

            lock (queue)
            {
                ended = true;
            }

            wake.Set();
        })
        { IsBackground = true, Name = "watchdog pipe" };
        reader.UnsafeStart();

        while (true)
        {
            wake.WaitOne(watch.NeedsLooking ? LookInterval : Timeout.InfiniteTimeSpan);
            bool done;
            List<string> lines;
            lock (queue)
            {
                lines = [.. queue];
                queue.Clear();
                done = ended;
            }

            foreach (var line in lines)
            {
                var fields = line.Split('\t');
                switch (fields[0])
                {
                    case "S" when WatchedGeneration.Parse(fields) is { } generation:
                        watch.Add(generation);
                        break;
                    case "E" when fields.Length > 1:
                        watch.Remove(fields[1]);
                        break;
                    case "Y" when fields.Length > 1:
                        watch.Look();
                        Answer($"Y {fields[1]}");
                        break;
                    default:
                        Log($"ignored a line it does not know: {line}");
                        break;
                }
            }

            if (done)
            {
                break;
            }

            if (watch.NeedsLooking)
            {
                watch.Look();
            }
        }

        // The pipe's end: the host closed it, which it does only by exiting. Never act while it lives.
        var closed = Stopwatch.GetTimestamp();
        watch.WaitForHostExit();
        var (stopped, report) = watch.Stop();
        Log($"host gone ({Stopwatch.GetElapsedTime(closed).TotalMilliseconds:0} ms after its pipe closed): {report}");
        if (!stopped && options.TryGetValue("--log", out var log))
        {
            // Nothing to tell: a log is kept only when the watchdog had to act.
            TryDelete(log);
        }

        return 0;
    }

    /// <summary>Deletes the logs of watchdogs that ended more than 7 days ago (kept only when they had to act).</summary>
    private static void PruneLogs(string? log)
    {
        if (log is null || Path.GetDirectoryName(log) is not { } folder)
        {
            return;
        }

        var cutoff = TimeProvider.System.GetUtcNow() - Records.RunStore.DefaultRetention;
        foreach (var old in Directory.EnumerateFiles(folder, "*.log").Where(f => File.GetLastWriteTimeUtc(f) < cutoff.UtcDateTime))
        {
            TryDelete(old);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void Answer(string line)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            unsafe
            {
                fixed (byte* data = bytes)
                {
                    _ = LinuxNative.Write(1, data, (nuint)bytes.Length);
                }
            }
        }
        catch (IOException)
        {
            // The host is gone: nobody to answer.
        }
    }

    private static void Log(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} watchdog {Environment.ProcessId}: {message}"));
}
