using System.Globalization;

namespace LiveFixtures;

/// <summary>Reports how a stop went: graceful or killed, the exit, how long it took and what else had to be killed.</summary>
public sealed record StopReport
{
    /// <summary>Gets the name of the process.</summary>
    public required string ProcessName { get; init; }

    /// <summary>Gets the generation that was stopped, or 0 when none had started.</summary>
    public int Generation { get; init; }

    /// <summary>Gets the process id that was stopped, or 0 when none had started.</summary>
    public int ProcessId { get; init; }

    /// <summary>Gets how the stop went.</summary>
    public required StopOutcome Outcome { get; init; }

    /// <summary>Gets the exit code, when the process exited.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Gets the signal that ended the process, when one did and it can be told.</summary>
    public int? Signal { get; init; }

    /// <summary>Gets how long the stop took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets how many descendants (children, grandchildren, re-parented or setsid ones) had to be killed.</summary>
    public int DescendantsKilled { get; init; }

    /// <summary>Gets how the generation's processes were held together, and so how the stop found its descendants.</summary>
    public ContainmentTier Containment { get; init; }

    /// <summary>Gets the output the process wrote during the stop.</summary>
    public IReadOnlyList<OutputLine> OutputDuringStop { get; init; } = [];

    /// <summary>Formats the report in one line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Outcome switch
    {
        StopOutcome.NotStarted => $"'{ProcessName}' was never started; nothing to stop.",
        _ => string.Create(CultureInfo.InvariantCulture,
            $"'{ProcessName}' (generation {Generation}, pid {ProcessId}) {Outcome.ToString().ToLowerInvariant()}: {DeathRecord.DescribeExit(ExitCode, Signal)} after {Duration.TotalMilliseconds:0} ms; {DescendantsKilled} descendant(s) killed ({ContainmentText(Containment)})."),
    };

    private static string ContainmentText(ContainmentTier tier) => tier switch
    {
        ContainmentTier.Cgroup => "contained by a cgroup",
        ContainmentTier.ProcessGroup => "contained by process group, session and subreaper",
        _ => "not contained",
    };
}
