namespace LiveFixtures.Records;

/// <summary>A fixture's health over one run, written as it goes and finalised at the end of the run.</summary>
internal sealed class FixtureHealth
{
    /// <summary>How many deaths a written snapshot lists, at most: the last 20 (so that a crash loop's write does not grow with its deaths).</summary>
    public const int DeathsWritten = 20;

    /// <summary>The fixture's (handle's) name.</summary>
    public string Fixture { get; set; } = "";

    /// <summary>The run it belongs to.</summary>
    public string RunId { get; set; } = "";

    /// <summary>The handle's state when written.</summary>
    public string State { get; set; } = "";

    /// <summary>How many generations were started.</summary>
    public int Generations { get; set; }

    /// <summary>How many starts were refused before any process ran (a busy fixed port, a configuration error).</summary>
    public int FailedStarts { get; set; }

    /// <summary>Why the last refused start was refused, or null when none was.</summary>
    public string? LastStartFailure { get; set; }

    /// <summary>How many times a dead or degraded generation was replaced.</summary>
    public int Respawns { get; set; }

    /// <summary>How many respawns the restart budget still allows in its current window.</summary>
    public int BudgetLeft { get; set; }

    /// <summary>The total time spent starting generations, in milliseconds.</summary>
    public double StartingMilliseconds { get; set; }

    /// <summary>Every death or degrade, with the test blamed (in a written snapshot, the last <see cref="DeathsWritten"/> of them).</summary>
    public List<HealthDeath> Deaths { get; set; } = [];

    /// <summary>How many deaths there were in all, when <see cref="Deaths"/> lists only the last of them; otherwise null.</summary>
    public int? DeathCount { get; set; }

    /// <summary>Whether the run has ended and this snapshot is final.</summary>
    public bool Final { get; set; }

    /// <summary>When the snapshot was written.</summary>
    public DateTimeOffset Written { get; set; }

    /// <summary>Copies the snapshot, its deaths included.</summary>
    public FixtureHealth Copy()
    {
        var copy = (FixtureHealth)MemberwiseClone();
        copy.Deaths = [.. Deaths.Select(d => d.Copy())];
        return copy;
    }

    /// <summary>Gets the copy that is written: the last <see cref="DeathsWritten"/> deaths and <see cref="DeathCount"/>, when there were more.</summary>
    public FixtureHealth ForWriting()
    {
        if (Deaths.Count <= DeathsWritten)
        {
            return this;
        }

        var written = (FixtureHealth)MemberwiseClone();
        written.DeathCount = Math.Max(DeathCount ?? 0, Deaths.Count);
        written.Deaths = Deaths[^DeathsWritten..];
        return written;
    }

    /// <summary>Gets whether no process was ever started because every start was refused.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool NeverStarted => Generations == 0 && FailedStarts > 0;

    /// <summary>
    /// Gets the one-line summary of the run for this fixture: "LiveGui: 2 generations, 1 death — T, exit code 134 (SIGABRT)",
    /// or, when every start was refused, "socat: never started: port 8080 ('default') is already in use … (2 failed starts)".
    /// </summary>
    public string Summary()
    {
        var failed = FailedStarts == 1 ? "1 failed start" : $"{FailedStarts} failed starts";
        if (NeverStarted)
        {
            return $"{Fixture}: never started: {LastStartFailure} ({failed})";
        }

        var count = Math.Max(DeathCount ?? 0, Deaths.Count);
        var deaths = count == 1 ? "1 death" : $"{count} deaths";
        var generations = Generations == 1 ? "1 generation" : $"{Generations} generations";
        var head = $"{Fixture}: {generations}, {deaths}" + (FailedStarts == 0 ? "" : $", {failed} (the last: {LastStartFailure})");
        var earlier = count > Deaths.Count ? $"{count - Deaths.Count} earlier not kept; the last {Deaths.Count}: " : "";
        return Deaths.Count == 0 ? head : head + " — " + earlier + string.Join("; ", Deaths.Select(d => $"{d.Test ?? "no test running"}, {d.Cause}"));
    }
}

/// <summary>One death or degrade in a <see cref="FixtureHealth"/> snapshot.</summary>
internal sealed class HealthDeath
{
    /// <summary>The generation that died.</summary>
    public int Generation { get; set; }

    /// <summary>The cause, in the wording of every message: "exit code 134 (SIGABRT)", "degraded: ...".</summary>
    public string Cause { get; set; } = "";

    /// <summary>The test blamed, or what is known about when it happened.</summary>
    public string? Test { get; set; }

    /// <summary>When it was noticed.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Copies the entry.</summary>
    public HealthDeath Copy() => (HealthDeath)MemberwiseClone();
}
