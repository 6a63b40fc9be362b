namespace LiveFixtures.Timing;

/// <summary>
/// Configures the best effort of <see cref="Race"/>: how many rounds it runs and for how long, and whether each racer
/// waits a random moment after the start gate. Races with an await between the check and the act are provoked by one
/// round; races with no await in between depend on the operating system's scheduling, which no option can force.
/// </summary>
public sealed class RaceOptions
{
    /// <summary>Gets or sets how many rounds to run at most; the first round in which an operation fails is returned.</summary>
    /// <value>1.</value>
    public int Rounds { get; set; } = 1;

    /// <summary>Gets or sets how long, in real time, rounds may keep starting; no new round starts after it.</summary>
    /// <value><see langword="null"/>: only <see cref="Rounds"/> limits the rounds.</value>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>Gets or sets a value indicating whether each racer spins a random number of iterations (up to a few microseconds) after the gate opens, so that rounds try different interleavings.</summary>
    /// <value><see langword="false"/>: all racers start as one.</value>
    public bool Stagger { get; set; }

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (Rounds < 1)
        {
            problems.Add($"Rounds must be at least 1, but is {Rounds}.");
        }

        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
        {
            problems.Add($"TimeBudget must be positive when set, but is {budget}.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The race options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
