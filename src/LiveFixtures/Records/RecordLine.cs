namespace LiveFixtures.Records;

/// <summary>
/// One line of a run's record log (<c>runs/RUNID.jsonl</c>): a self-contained JSON object that carries exactly one of
/// the run's own state, one generation's whole state, or another process's mark on one generation.
/// </summary>
/// <remarks>
/// The run's host appends a line per generation that changed and then one <see cref="Run"/> line per write; the
/// watchdog and a later run's sweep append <see cref="Mark"/> lines. Nobody rewrites a line, so no writer can lose
/// another's change; the reader folds the lines, in order, into a <see cref="RunRecord"/>.
/// </remarks>
internal sealed class RecordLine
{
    /// <summary>The run's own fields (its generations list empty), as its host last wrote them.</summary>
    public RunRecord? Run { get; set; }

    /// <summary>One generation's whole state, replacing what earlier lines said of it.</summary>
    public GenerationRecord? Generation { get; set; }

    /// <summary>Another process's mark: it reaped the generation, or found nothing of it left.</summary>
    public RecordMark? Mark { get; set; }
}

/// <summary>What the watchdog or a later run's sweep says of one generation of a run it does not own.</summary>
internal sealed class RecordMark
{
    /// <summary>The status "reaped": applied to a generation that may still be running.</summary>
    public const string Reaped = "reaped";

    /// <summary>The status "gone": applied to a generation recorded as running or degraded.</summary>
    public const string Gone = "gone";

    /// <summary>The fixture's (handle's) name.</summary>
    public string Fixture { get; set; } = "";

    /// <summary>The generation number.</summary>
    public int Generation { get; set; }

    /// <summary>The generation's environment cookie.</summary>
    public string Cookie { get; set; } = "";

    /// <summary>The status it sets: <see cref="Reaped"/> or <see cref="Gone"/>.</summary>
    public string Status { get; set; } = "";

    /// <summary>The signal that stopped it, when it was reaped.</summary>
    public string? Signal { get; set; }

    /// <summary>When the mark was made: the generation's end, unless one was recorded.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Who made the mark: becomes the run's <see cref="RunRecord.SweptBy"/>.</summary>
    public string By { get; set; } = "";

    /// <summary>Applies the mark to a generation's state, when that state allows it (a stopped generation is not reaped).</summary>
    public void ApplyTo(GenerationRecord generation)
    {
        var applies = Status == Reaped ? generation.MayBeRunning || generation.Status == Reaped : generation.Status is "running" or "degraded";
        if (!applies)
        {
            return;
        }

        generation.Status = Status;
        generation.Signal = Signal ?? generation.Signal;
        generation.Ended ??= At;
    }

    /// <summary>Tells whether the mark is about <paramref name="generation"/>: the same cookie (unique to a generation), else the same fixture and number.</summary>
    public bool IsAbout(GenerationRecord generation) =>
        string.Equals(generation.Cookie, Cookie, StringComparison.Ordinal)
        && (Cookie.Length > 0 || (generation.Generation == Generation && string.Equals(generation.Fixture, Fixture, StringComparison.Ordinal)));
}
