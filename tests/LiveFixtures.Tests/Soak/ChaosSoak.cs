using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using LiveFixtures.Platform;
using LiveFixtures.Testing;

namespace LiveFixtures.Tests.Soak;

/// <summary>What a simulated test does to the shared app.</summary>
internal enum SoakFault
{
    /// <summary>A click: an innocent test.</summary>
    None,

    /// <summary>The app writes 20,000 lines: innocent.</summary>
    Flood,

    /// <summary>The app starts a <c>setsid</c> grandchild that would outlive it: innocent, but it must not be left behind.</summary>
    Grandchild,

    /// <summary>SIGKILL to the app.</summary>
    Kill,

    /// <summary><c>POST /crash</c>: SIGABRT 20 ms after the answer.</summary>
    Abort,

    /// <summary><c>POST /exit/3</c>: exit 20 ms after the answer.</summary>
    ExitAfterAnswer,

    /// <summary><c>POST /degrade</c>: alive, answering 503 on /health.</summary>
    Degrade,

    /// <summary>SIGSTOP to the app: alive, answering nothing.</summary>
    Hang,
}

/// <summary>
/// A seeded chaos soak over the test app (issue 13): simulated guarded tests, serial or several at once on one handle,
/// each innocent or doing one fault at a random moment. The handle is driven as <c>LiveTest&lt;T&gt;</c> drives it
/// (ensure ready, track the test, settle, check), with a test name per simulated test.
/// </summary>
internal sealed class ChaosSoak(int seed, TimeSpan duration, int workers)
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(45);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly List<SoakRun> _runs = [];
    private readonly List<(int Pid, ulong Ticks, string What)> _processes = [];
    private readonly Dictionary<int, DeathRecord?> _generations = [];

    public static LiveProcessBuilder Builder() => TestAppPaths.Builder()
        .WithName("Soak")
        .WithLiveness(Probe.Http("/health"), new LivenessOptions { Timeout = TimeSpan.FromSeconds(1.5), FailureThreshold = 2, RetryInterval = TimeSpan.FromMilliseconds(50) })
        .WithSettleAfterTest(TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("LIVEFIXTURES_SOAK_SETTLE_MS"), CultureInfo.InvariantCulture, out var settle) ? settle : 300))
        .WithRestartBudget(10_000, TimeSpan.FromSeconds(1))
        .WithStartupTimeout(TimeSpan.FromSeconds(60))
        .WithStopGrace(TimeSpan.FromSeconds(3));

    public async Task<SoakReport> RunAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var app = Builder().Build();
        IReadOnlyList<DeathRecord> deaths;
        try
        {
            var end = DateTimeOffset.UtcNow + duration;
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => WorkerAsync(app, w, end, cancellationToken))).ConfigureAwait(false);

            // The last death is replaced too, so that every death has its respawn.
            using (var last = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                last.CancelAfter(TestDeadline);
                var final = await app.EnsureReadyAsync(last.Token).ConfigureAwait(false);
                Observe(final);
            }

            deaths = [.. app.Deaths.Where(d => d.Cause != DeathCause.Stopped)];
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }

        var leftovers = await LeftoversAsync().ConfigureAwait(false);
        return new SoakReport(seed, workers, watch.Elapsed, [.. _runs], deaths, _generations.Count(g => g.Value is { Cause: not DeathCause.Stopped }), leftovers);
    }

    private async Task WorkerAsync(LiveProcess app, int worker, DateTimeOffset end, CancellationToken cancellationToken)
    {
        var random = new Random(seed + (worker * 7919));
        for (var n = 1; DateTimeOffset.UtcNow < end; n++)
        {
            var fault = Pick(random);
            var pause = TimeSpan.FromMilliseconds(random.Next(0, 150));
            var run = new SoakRun($"soak w{worker} #{n} ({fault})", fault);
            await RunOneAsync(app, run, pause, cancellationToken).ConfigureAwait(false);
            lock (_runs)
            {
                _runs.Add(run);
            }
        }
    }

    private static SoakFault Pick(Random random) => random.Next(100) switch
    {
        < 45 => SoakFault.None,
        < 52 => SoakFault.Flood,
        < 58 => SoakFault.Grandchild,
        < 67 => SoakFault.Kill,
        < 76 => SoakFault.Abort,
        < 85 => SoakFault.ExitAfterAnswer,
        < 93 => SoakFault.Degrade,
        _ => SoakFault.Hang,
    };

    private async Task RunOneAsync(LiveProcess app, SoakRun run, TimeSpan pause, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TestDeadline);
        var token = deadline.Token;
        var started = Stopwatch.StartNew();
        try
        {
            var generation = await app.EnsureReadyAsync(token).ConfigureAwait(false);
            Observe(generation);
            run.Generation = generation.Number;
            var ticks = OsProcess.StartTicks(generation.ProcessId);
            run.TrackedFrom = DateTimeOffset.UtcNow;
            using (app.TrackTest(run.Name))
            {
                try
                {
                    // The fault comes at a random moment into the test.
                    await Task.Delay(pause, token).ConfigureAwait(false);
                    await ActAsync(generation, ticks, run, token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
                {
                    run.Failure = e.Message;
                }

                await app.SettleAsync(generation.Number, token).ConfigureAwait(false);
                if (!app.Deaths.Any(d => d.Generation == generation.Number))
                {
                    await app.CheckAsync(token).ConfigureAwait(false);
                }
            }

            run.TrackedTo = DateTimeOffset.UtcNow;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            run.Hung = true;
        }
        catch (LiveProcessException e)
        {
            run.Failure = e.Message;
        }

        run.Duration = started.Elapsed;
    }

    private async Task ActAsync(LiveGeneration generation, ulong? ticks, SoakRun run, CancellationToken token)
    {
        var address = generation.BaseAddress!;
        switch (run.Fault)
        {
            case SoakFault.None:
                (await Http.PostAsync(new Uri(address, "/click/soak"), null, token).ConfigureAwait(false)).EnsureSuccessStatusCode();
                break;
            case SoakFault.Flood:
                (await Http.PostAsync(new Uri(address, "/flood?lines=20000"), null, token).ConfigureAwait(false)).EnsureSuccessStatusCode();
                break;
            case SoakFault.Grandchild:
                var child = await Http.PostAsync(new Uri(address, "/spawn-child?setsid=true&seconds=600"), null, token).ConfigureAwait(false);
                var pid = (await child.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<SpawnedChild>(token).ConfigureAwait(false))!.Pid;
                Remember(pid, "a setsid grandchild");
                break;
            case SoakFault.Kill:
                Signal(generation.ProcessId, ticks, PosixSignalNumber.SIGKILL);
                break;
            case SoakFault.Hang:
                Signal(generation.ProcessId, ticks, PosixSignalNumber.SIGSTOP);
                break;
            case SoakFault.Abort:
                (await Http.PostAsync(new Uri(address, "/crash"), null, token).ConfigureAwait(false)).EnsureSuccessStatusCode();
                break;
            case SoakFault.ExitAfterAnswer:
                (await Http.PostAsync(new Uri(address, "/exit/3"), null, token).ConfigureAwait(false)).EnsureSuccessStatusCode();
                break;
            case SoakFault.Degrade:
                (await Http.PostAsync(new Uri(address, "/degrade"), null, token).ConfigureAwait(false)).EnsureSuccessStatusCode();
                break;
        }
    }

    /// <summary>Signals the generation's root only while it is the process the handle started (same pid and start time).</summary>
    private static void Signal(int pid, ulong? ticks, PosixSignalNumber signal)
    {
        if (ticks is { } t && OsProcess.IsRunning(pid, t))
        {
            LinuxNative.Kill(pid, (int)signal);
        }
    }

    private void Observe(LiveGeneration generation)
    {
        lock (_generations)
        {
            if (_generations.TryAdd(generation.Number, generation.Previous))
            {
                Remember(generation.ProcessId, $"generation {generation.Number}");
            }
        }
    }

    private void Remember(int pid, string what)
    {
        if (OsProcess.StartTicks(pid) is { } ticks)
        {
            lock (_processes)
            {
                _processes.Add((pid, ticks, what));
            }
        }
    }

    /// <summary>Lists what still runs of the processes the soak saw, a few seconds after the handle was disposed (kills them, so none stays).</summary>
    private async Task<IReadOnlyList<string>> LeftoversAsync()
    {
        for (var wait = 0; wait < 50 && _processes.Any(p => OsProcess.IsRunning(p.Pid, p.Ticks)); wait++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        var left = _processes.Where(p => OsProcess.IsRunning(p.Pid, p.Ticks)).ToList();
        foreach (var (pid, _, _) in left)
        {
            OsProcess.KillQuietly(pid);
        }

        return [.. left.Select(p => $"pid {p.Pid} ({p.What})")];
    }

    private sealed record SpawnedChild(int Pid);
}

/// <summary>One simulated test.</summary>
internal sealed class SoakRun(string name, SoakFault fault)
{
    public string Name => name;

    public SoakFault Fault => fault;

    public bool Innocent => fault is SoakFault.None or SoakFault.Flood or SoakFault.Grandchild;

    public int Generation { get; set; }

    public DateTimeOffset? TrackedFrom { get; set; }

    public DateTimeOffset? TrackedTo { get; set; }

    public string? Failure { get; set; }

    public bool Hung { get; set; }

    public TimeSpan Duration { get; set; }
}

/// <summary>What a soak saw, and what it judges wrong.</summary>
internal sealed record SoakReport(int Seed, int Workers, TimeSpan Elapsed, IReadOnlyList<SoakRun> Runs, IReadOnlyList<DeathRecord> Deaths, int Respawns, IReadOnlyList<string> Leftovers)
{
    /// <summary>Deaths that name a test that was not tracked when the death happened.</summary>
    public IReadOnlyList<string> Misblamed()
    {
        var byName = Runs.ToDictionary(r => r.Name);
        var wrong = new List<string>();
        foreach (var death in Deaths)
        {
            var named = death.TestsInFlight.Count > 0 ? death.TestsInFlight : death.TestName is { } one ? [one] : [];
            foreach (var name in named)
            {
                if (!byName.TryGetValue(name, out var run) || run.TrackedFrom is not { } from || death.At < from || (run.TrackedTo is { } to && death.At > to))
                {
                    wrong.Add($"generation {death.Generation} ({death.DescribeCause()}) at {death.At:HH:mm:ss.fff} blamed on '{name}', tracked {run?.TrackedFrom:HH:mm:ss.fff} to {run?.TrackedTo:HH:mm:ss.fff}");
                }
            }
        }

        return wrong;
    }

    /// <summary>Innocent tests that failed: serially always wrong; in parallel wrong unless a death of their app was recorded while they ran (they were told).</summary>
    public IReadOnlyList<SoakRun> InnocentFailures() =>
        [.. Runs.Where(r => r.Innocent && r.Failure is not null && (Workers == 1 || !Deaths.Any(d => d.TestsInFlight.Contains(r.Name))))];

    public IReadOnlyList<SoakRun> Hangs() => [.. Runs.Where(r => r.Hung)];

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        problems.AddRange(Hangs().Select(r => $"hang: '{r.Name}' passed its {r.Duration.TotalSeconds:0} s deadline"));
        problems.AddRange(Leftovers.Select(l => $"left alive: {l}"));
        problems.AddRange(Misblamed().Select(m => $"misblamed: {m}"));
        problems.AddRange(InnocentFailures().Select(r => $"innocent test failed: '{r.Name}' on generation {r.Generation}: {r.Failure}"));
        if (Respawns != Deaths.Count)
        {
            problems.Add($"respawns ({Respawns}) != deaths ({Deaths.Count})");
        }

        return problems;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Chaos soak, seed {Seed}, {(Workers == 1 ? "serial" : $"parallel ({Workers} tests at once)")}, {Elapsed.TotalSeconds:0.0} s:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  tests {Runs.Count} ({string.Join(", ", Runs.GroupBy(r => r.Fault).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  deaths {Deaths.Count} ({string.Join(", ", Deaths.GroupBy(d => d.Cause).Select(g => $"{g.Key} {g.Count()}"))}), respawns {Respawns}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  deaths pinned on a test {Deaths.Count(d => d.TestsInFlight.Count > 0)}, between tests {Deaths.Count(d => d.TestsInFlight.Count == 0)}; tests told of a death in flight {Runs.Count(r => Deaths.Any(d => d.TestsInFlight.Contains(r.Name)))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  innocent tests failed {InnocentFailures().Count} (of {Runs.Count(r => r.Innocent && r.Failure is not null)} innocent failures in all), hangs {Hangs().Count}, misblamed {Misblamed().Count}, left alive {Leftovers.Count}");
        var durations = Runs.Select(r => r.Duration.TotalMilliseconds).Order().ToList();
        if (durations.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  test duration median {durations[durations.Count / 2]:0} ms, max {durations[^1]:0} ms");
        }

        return text.ToString();
    }
}
