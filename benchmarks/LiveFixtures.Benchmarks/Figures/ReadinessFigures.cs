using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Extensibility;
using LiveFixtures.Testing;

namespace LiveFixtures.Benchmarks.Figures;

/// <summary>
/// Readiness latency per probe kind: how long after the app listens <c>EnsureReadyAsync</c> returns. Two apps: the
/// test app, which prints its ready line right after it listens (the ideal is that line, read from stdout); and a
/// silent listener (Python) that prints nothing and writes the moment it listened to a file, so that only the poll
/// can find it, with the default schedule, the old one (5 ms doubling to 100 ms), a fixed 100 ms and a fixed 1 s poll.
/// </summary>
internal static class ReadinessFigures
{
    private const string SilentServer = """
        import http.server, os, sys, time
        time.sleep(float(sys.argv[1]))
        class Quiet(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), Quiet)
        listened = time.time()
        with open(sys.argv[3] + ".tmp", "w") as stamp:
            stamp.write(repr(listened))
        os.rename(sys.argv[3] + ".tmp", sys.argv[3])
        server.serve_forever()
        """;

    public static async Task RunAsync(Report report, int rounds)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (kind, probe) in Probes())
        {
            rows.Add(await TestAppRowAsync(kind, probe, rounds).ConfigureAwait(false));
        }

        report.Line($"Readiness, the test app (prints `TestApp ready on ...` right after it listens; ideal = that line read from stdout), default settings, {rounds} starts each with a start-up delay of 150 to 400 ms; time from the line to `EnsureReadyAsync` returning:");
        report.Table(["probe", "median", "p90", "max"], rows);

        rows = [];
        var schedules = new (string Name, TimeSpan? First, TimeSpan? Max)[]
        {
            ("no pause (busy poll: the floor of polling)", TimeSpan.FromTicks(1), TimeSpan.FromTicks(1)),
            ("default (1 ms, x1.5, up to 10 ms)", null, null),
            ("old default (5 ms, x2, up to 100 ms)", TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(100)),
            ("fixed 100 ms", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100)),
            ("fixed 1 s", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)),
        };
        foreach (var (kind, probe) in Probes().Where(p => p.Kind != "output line"))
        {
            foreach (var schedule in schedules)
            {
                rows.Add(await SilentRowAsync(kind, probe, schedule.Name, schedule.First, schedule.Max, rounds).ConfigureAwait(false));
            }
        }

        report.Line($"Readiness, a silent listener (Python `http.server`, writes nothing; ideal = the moment it listened, written to a file), {rounds} starts each with a start-up delay of 150 to 400 ms; time from listening to `EnsureReadyAsync` returning:");
        report.Table(["probe", "poll", "median", "p90", "max", "attempts (median)"], rows);

        report.Line($"Polling cost: CPU time of this whole process while a TCP probe waits 3 s for an app that never listens, with the default poll: {await PollCpuAsync(null).ConfigureAwait(false)}; with a fixed 100 ms poll: {await PollCpuAsync(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false)}; with no probe at all (an idle handle): {await PollCpuAsync(TimeSpan.Zero).ConfigureAwait(false)}.");
    }

    private static IEnumerable<(string Kind, IProbe Probe)> Probes() =>
    [
        ("output line", Probe.OutputLine(@"^TestApp ready on ")),
        ("TCP", Probe.Tcp()),
        ("HTTP", Probe.Http("/health")),
    ];

    private static async Task<IReadOnlyList<string>> TestAppRowAsync(string kind, IProbe probe, int rounds)
    {
        var late = new List<double>();
        for (var round = 0; round < rounds + 1; round++)
        {
            await using var app = new LiveProcessBuilder("dotnet")
                .WithName("TestApp")
                .WithArguments([TestAppPaths.Dll, "--port", "{port}", "--startup-delay-ms", Delay(round).ToString(CultureInfo.InvariantCulture)])
                .WithPort()
                .WithBaseAddress("http://127.0.0.1:{port}/")
                .WithReadiness(probe)
                .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
                .WithStopGrace(TimeSpan.Zero)
                .Build();
            var generation = await app.EnsureReadyAsync().ConfigureAwait(false);
            var returned = DateTimeOffset.UtcNow;
            var line = await app.WaitForOutputAsync(new(@"^TestApp ready on "), new OutputMark(generation.Number, 0), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            if (round > 0)
            {
                late.Add((returned - line.Timestamp).TotalMilliseconds);
            }

            await app.StopAsync().ConfigureAwait(false);
        }

        return [kind, Report.Ms(Report.Median(late)), Report.Ms(Report.Percentile(late, 0.9)), Report.Ms(late.Max())];
    }

    private static async Task<IReadOnlyList<string>> SilentRowAsync(string kind, IProbe probe, string poll, TimeSpan? first, TimeSpan? max, int rounds)
    {
        var late = new List<double>();
        var attempts = new List<double>();
        var script = Path.Combine(Path.GetTempPath(), $"livefixtures-silent-{Environment.ProcessId}.py");
        await File.WriteAllTextAsync(script, SilentServer).ConfigureAwait(false);
        var stamp = Path.Combine(Path.GetTempPath(), $"livefixtures-silent-{Environment.ProcessId}.time");
        for (var round = 0; round < rounds + 1; round++)
        {
            File.Delete(stamp);
            var counted = 0;
            var counting = Probe.Custom(probe.Description, async (context, token) =>
            {
                Interlocked.Increment(ref counted);
                return await probe.CheckAsync(context, token).ConfigureAwait(false);
            });
            var builder = new LiveProcessBuilder("python3")
                .WithName("Silent")
                .WithArguments(script, (Delay(round) / 1000.0).ToString(CultureInfo.InvariantCulture), "{port}", stamp)
                .WithPort()
                .WithBaseAddress("http://127.0.0.1:{port}/")
                .WithReadiness(counting)
                .WithStopGrace(TimeSpan.Zero);
            if (first is { } f && max is { } m)
            {
                builder = builder.WithReadinessBackoff(f, m);
            }

            await using var app = builder.Build();
            await app.EnsureReadyAsync().ConfigureAwait(false);
            var returned = DateTimeOffset.UtcNow;
            for (var wait = 0; wait < 500 && !File.Exists(stamp); wait++)
            {
                // The probe may pass between the listen and the write of the stamp.
                await Task.Delay(10).ConfigureAwait(false);
            }

            await Task.Delay(10).ConfigureAwait(false);
            var listened = DateTimeOffset.UnixEpoch.AddTicks((long)(double.Parse(await File.ReadAllTextAsync(stamp).ConfigureAwait(false), CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond));
            if (round > 0)
            {
                late.Add((returned - listened).TotalMilliseconds);
                attempts.Add(counted);
            }

            await app.StopAsync().ConfigureAwait(false);
        }

        File.Delete(script);
        File.Delete(stamp);
        return [kind, poll, Report.Ms(Report.Median(late)), Report.Ms(Report.Percentile(late, 0.9)), Report.Ms(late.Max()), Report.Median(attempts).ToString("0", CultureInfo.InvariantCulture)];
    }

    private static async Task<string> PollCpuAsync(TimeSpan? fixedPoll)
    {
        var builder = new LiveProcessBuilder("/bin/sleep")
            .WithName("NeverListens")
            .WithArguments("30")
            .WithPort()
            .WithStartupTimeout(TimeSpan.FromSeconds(3))
            .WithStopGrace(TimeSpan.Zero);
        builder = fixedPoll == TimeSpan.Zero ? builder
            : fixedPoll is { } poll ? builder.WithReadiness(Probe.Tcp()).WithReadinessBackoff(poll, poll)
            : builder.WithReadiness(Probe.Tcp());
        await using var app = builder.Build();
        var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        try
        {
            await app.EnsureReadyAsync().ConfigureAwait(false);
            if (fixedPoll == TimeSpan.Zero)
            {
                await Task.Delay(3000).ConfigureAwait(false);
            }
        }
        catch (LiveProcessStartException)
        {
            // Expected: it never listens.
        }

        self.Refresh();
        var used = (self.TotalProcessorTime - cpu).TotalMilliseconds;
        return string.Create(CultureInfo.InvariantCulture, $"{used:0} ms of CPU in {watch.Elapsed.TotalMilliseconds:0} ms ({100 * used / watch.Elapsed.TotalMilliseconds:0.0} % of one core)");
    }

    private static int Delay(int round) => 150 + ((round * 97) % 250);
}
