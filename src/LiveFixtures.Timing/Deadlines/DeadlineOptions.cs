namespace LiveFixtures.Timing;

/// <summary>Configures <see cref="Deadline"/>: the clock, the grace after cancellation, and the operation's name.</summary>
public sealed class DeadlineOptions : TimedOperationOptions
{
    /// <summary>Initializes the options with their defaults.</summary>
    public DeadlineOptions()
        : base("The operation")
    {
    }

    /// <summary>Gets or sets how long an operation that missed its deadline is given to stop after it is cancelled, before it is reported as leaked.</summary>
    /// <value>1 second.</value>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(1);

    /// <inheritdoc/>
    private protected override string Kind => "deadline";

    /// <inheritdoc/>
    private protected override void AddProblems(List<string> problems)
    {
        RequireNotNegative(problems, Grace, nameof(Grace));
    }
}
