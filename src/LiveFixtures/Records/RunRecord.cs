namespace LiveFixtures.Records;

/// <summary>
/// What one test run (one test host) recorded: who it was, when it ran and how it ended, and every generation it
/// spawned. Stored as one JSON file per run, so that hosts never contend for a shared file.
/// </summary>
/// <remarks>
/// Every property has a default, so a record written by an older version (with fewer fields) still loads; fields this
/// version does not know are ignored when reading. Never holds environment values.
/// </remarks>
internal sealed class RunRecord
{
    /// <summary>The version of the format this record was written in.</summary>
    public int Format { get; set; } = 1;

    /// <summary>The run's id: also the file's name.</summary>
    public string RunId { get; set; } = "";

    /// <summary>The test host that owns the run.</summary>
    public ProcessIdentity Host { get; set; } = new();

    /// <summary>The test assembly (or program) the host runs.</summary>
    public string TestAssembly { get; set; } = "";

    /// <summary>When the run started.</summary>
    public DateTimeOffset Started { get; set; }

    /// <summary>When the run ended, or <see langword="null"/> while it runs (or when its host was killed).</summary>
    public DateTimeOffset? Ended { get; set; }

    /// <summary>How the run ended: "completed", "signal SIGTERM", ...; empty while it runs.</summary>
    public string EndedHow { get; set; } = "";

    /// <summary>When the record was last written.</summary>
    public DateTimeOffset Updated { get; set; }

    /// <summary>What a later run's sweep did about this run's leftovers, when it did anything.</summary>
    public string? SweptBy { get; set; }

    /// <summary>Every generation the run spawned, in the order they started.</summary>
    public List<GenerationRecord> Generations { get; set; } = [];
}
