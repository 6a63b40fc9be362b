namespace LiveFixtures.Timing;

/// <summary>Configures <see cref="Repeat"/>: the seed to replay, and the single iteration to replay.</summary>
public sealed class RepeatOptions
{
    /// <summary>Gets or sets the base seed from which every iteration's seed is derived.</summary>
    /// <value><see langword="null"/>: a new random base seed, printed to the test output and to any failure message.</value>
    public int? Seed { get; set; }

    /// <summary>Gets or sets the index of the one iteration to run, to replay a failure; <see cref="Seed"/> must then be set too.</summary>
    /// <value><see langword="null"/>: run every iteration.</value>
    public int? OnlyIteration { get; set; }

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate(int iterations)
    {
        var problems = new List<string>();
        if (OnlyIteration is { } only && (only < 0 || only >= iterations))
        {
            problems.Add($"OnlyIteration must be between 0 and {iterations - 1}, but is {only}.");
        }

        if (OnlyIteration is not null && Seed is null)
        {
            problems.Add("OnlyIteration needs the Seed of the run that failed, or the replay runs different data.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The repeat options are not valid: " + string.Join(" ", problems));
        }
    }
}
