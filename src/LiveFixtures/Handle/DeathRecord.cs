using System.Globalization;
using System.Text;
using LiveFixtures.Health;
using LiveFixtures.Output;
using LiveFixtures.Platform;

namespace LiveFixtures;

/// <summary>Records how one generation of a process ended: the cause, the evidence and the test that was running.</summary>
public sealed record DeathRecord
{
    /// <summary>Gets the name of the process.</summary>
    public required string ProcessName { get; init; }

    /// <summary>Gets the generation number.</summary>
    public required int Generation { get; init; }

    /// <summary>Gets the process id the generation had.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets how it ended.</summary>
    public required DeathCause Cause { get; init; }

    /// <summary>Gets the exit code, when it exited (on Unix, 128 + n for a death by signal n).</summary>
    public int? ExitCode { get; init; }

    /// <summary>Gets the signal that ended it, when one did and it can be told.</summary>
    public int? Signal { get; init; }

    /// <summary>Gets the name of <see cref="Signal"/>, such as "SIGABRT".</summary>
    public string? SignalName => Signal is { } s ? ProcessTables.SignalName(s) : null;

    /// <summary>Gets when the death was noticed.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the test (or tests, comma-separated) that was running when it happened, when known; null between tests.</summary>
    public string? TestName { get; init; }

    /// <summary>Gets every test tracked against the process when the death was noticed (more than one under parallel tests).</summary>
    /// <value>Empty when it was noticed between tests.</value>
    public IReadOnlyList<string> TestsInFlight { get; init; } = [];

    /// <summary>Gets how long the most recently started test in flight had run when the death was noticed.</summary>
    public TimeSpan? TimeIntoTest { get; init; }

    /// <summary>Gets the last test that ended before the death was noticed, when one did: an app may die shortly after answering it.</summary>
    public string? PreviousTestName { get; init; }

    /// <summary>Gets how long after <see cref="PreviousTestName"/> ended the death was noticed.</summary>
    public TimeSpan? TimeAfterPreviousTest { get; init; }

    /// <summary>Gets the failed probe result, for a degraded or never-ready generation.</summary>
    public ProbeResult? ProbeResult { get; init; }

    /// <summary>Gets the last lines of output (50 by default).</summary>
    public IReadOnlyList<OutputLine> OutputTail { get; init; } = [];

    /// <summary>Gets the generation's state directory, kept after a death for inspection.</summary>
    public string? WorkspacePath { get; init; }

    /// <summary>Gets the generation's full log file, when one was written.</summary>
    public string? LogFilePath { get; init; }

    /// <summary>
    /// Gets how many processes of the generation were still running when its root exited with code 0: an app that
    /// daemonized (forked into the background and let the process LiveFixtures started exit).
    /// </summary>
    internal int LeftRunning { get; init; }

    /// <summary>Gets whether the root exited with code 0 and left processes of the generation running: it daemonized.</summary>
    internal bool Daemonized => LeftRunning > 0 && ExitCode == 0 && Cause is DeathCause.Exited or DeathCause.FailedToStart;

    /// <summary>The sentence that says what to do about an app that daemonized.</summary>
    internal const string DaemonizedFix =
        "Start the app in the foreground (nginx: 'daemon off;' in its configuration; redis-server: '--daemonize no'; "
        + "others: a --foreground or --no-daemon option): LiveFixtures watches the process it starts, so an app that "
        + "forks into the background and lets that process exit looks dead to it. What it left running was killed with the generation.";

    /// <summary>Describes the cause in a phrase: "exit code 134 (SIGABRT)", "failed its liveness probe: ...".</summary>
    /// <returns>The phrase.</returns>
    public string DescribeCause() => Cause switch
    {
        DeathCause.Degraded => $"alive but degraded: failed its liveness probe ({ProbeResult?.Description})",
        DeathCause.FailedToStart when ExitCode is null => $"never became ready ({ProbeResult?.Description})",
        _ when Daemonized => $"{DescribeExit(ExitCode, Signal)}, leaving {LeftRunning} process{(LeftRunning == 1 ? "" : "es")} of it running in the background: it daemonized",
        _ => DescribeExit(ExitCode, Signal),
    };

    /// <summary>
    /// Says when it happened relative to the tests, no more than is known: "during test 'U' (20 ms into it, 25 ms after
    /// 'T' ended)", or "between tests, 25 ms after 'T' ended"; empty when nothing is known.
    /// </summary>
    /// <returns>The phrase, without a leading space.</returns>
    public string DescribeWhen()
    {
        var after = PreviousTestName is null ? null : $"{Span(TimeAfterPreviousTest)} after '{PreviousTestName}' ended";
        if (TestName is not null)
        {
            var into = TimeIntoTest is { } span ? $"{Span(span)} into it" : null;
            var facts = string.Join(", ", new[] { into, after }.Where(f => f is not null));
            return $"during test '{TestName}'" + (facts.Length == 0 ? "" : $" ({facts})");
        }

        return after is null ? "" : $"between tests, {after}";
    }

    /// <summary>Formats the full account: who, how, when, during which test, the output tail and where the evidence is.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"'{ProcessName}' (generation {Generation}, pid {ProcessId}) ");
        text.Append(Cause == DeathCause.Degraded ? "degraded" : Cause == DeathCause.Stopped ? "was stopped" : "died");
        var when = DescribeWhen();
        text.Append(when.Length == 0 ? "" : " " + when);
        text.Append(CultureInfo.InvariantCulture, $": {DescribeCause()} at {At:HH:mm:ss.fff}.");
        if (Daemonized && Cause == DeathCause.Exited)
        {
            text.AppendLine().Append(DaemonizedFix);
        }

        text.AppendLine().Append("Last output:").AppendLine().Append(OutputLog.Format(OutputTail));
        if (WorkspacePath is not null)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"Its state directory was kept: {WorkspacePath}");
        }

        if (LogFilePath is not null)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"Full log: {LogFilePath}");
        }

        return text.ToString();
    }

    internal static string Span(TimeSpan? span) => span switch
    {
        null => "some time",
        { TotalSeconds: >= 1 } s => string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.###} s"),
        { } s => string.Create(CultureInfo.InvariantCulture, $"{s.TotalMilliseconds:0} ms"),
    };

    internal static string DescribeExit(int? exitCode, int? signal) => ProcessTables.DescribeExit(exitCode, signal);
}
