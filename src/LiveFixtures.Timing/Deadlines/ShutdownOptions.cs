namespace LiveFixtures.Timing;

/// <summary>Configures <see cref="Shutdown"/>: the clock, when to cancel the stop's token, and the stop's name.</summary>
public sealed class ShutdownOptions : TimedOperationOptions
{
    /// <summary>Initializes the options with their defaults.</summary>
    public ShutdownOptions()
        : base("The stop")
    {
    }

    /// <summary>Gets or sets how long after the stop starts its token is cancelled, that is, how long it may stay graceful.</summary>
    /// <value>Zero: the token is cancelled as soon as the stop has returned its task.</value>
    public TimeSpan CancelAfter { get; set; } = TimeSpan.Zero;

    /// <inheritdoc/>
    private protected override string Kind => "shutdown";

    /// <inheritdoc/>
    private protected override void AddProblems(List<string> problems)
    {
        RequireNotNegative(problems, CancelAfter, nameof(CancelAfter));
    }
}
