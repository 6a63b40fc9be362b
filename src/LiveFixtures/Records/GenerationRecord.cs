namespace LiveFixtures.Records;

/// <summary>One generation of one fixture's process, as its run recorded it.</summary>
internal sealed class GenerationRecord
{
    /// <summary>The fixture's (handle's) name.</summary>
    public string Fixture { get; set; } = "";

    /// <summary>The generation number, from 1.</summary>
    public int Generation { get; set; }

    /// <summary>The root process, identified so that a reused pid is never taken for it.</summary>
    public ProcessIdentity Process { get; set; } = new();

    /// <summary>The value of the environment cookie every process of the generation was started with.</summary>
    public string Cookie { get; set; } = "";

    /// <summary>How the generation is contained: "cgroup", "process-group" or "none".</summary>
    public string Containment { get; set; } = "none";

    /// <summary>The generation's cgroup directory, when it has one.</summary>
    public string? Cgroup { get; set; }

    /// <summary>The generation's process group, when it leads one.</summary>
    public int? ProcessGroup { get; set; }

    /// <summary>The command and its arguments, with the ones marked secret replaced by "***".</summary>
    public List<string> CommandLine { get; set; } = [];

    /// <summary>The ports the generation was given, by name.</summary>
    public Dictionary<string, int> Ports { get; set; } = [];

    /// <summary>The generation's workspace directory, when it has one.</summary>
    public string? Workspace { get; set; }

    /// <summary>The generation's full output log file, when it has one.</summary>
    public string? LogFile { get; set; }

    /// <summary>The state: "running", "stopped", "died", "degraded", "failed-to-start"; "reaped" or "gone" once a later run's sweep stopped it or found nothing of it left.</summary>
    public string Status { get; set; } = "running";

    /// <summary>When the generation started.</summary>
    public DateTimeOffset Started { get; set; }

    /// <summary>When it became ready, or <see langword="null"/> when it never did.</summary>
    public DateTimeOffset? Ready { get; set; }

    /// <summary>When it ended, or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? Ended { get; set; }

    /// <summary>The exit code, when known.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The signal that ended it, when one did.</summary>
    public string? Signal { get; set; }

    /// <summary>How it died or degraded, in the words of every message: "exit code 134 (SIGABRT)", "alive but degraded: ...".</summary>
    public string? Cause { get; set; }

    /// <summary>The test during which it died or degraded, or what is known about when ("between tests, after T").</summary>
    public string? Test { get; set; }

    /// <summary>Gets whether the record says the generation may still be running: it was never ended and killed by its handle.</summary>
    public bool MayBeRunning => Ended is null && Status is not ("reaped" or "gone" or "stopped");
}
