namespace LiveFixtures.Timing;

/// <summary>Configures the assertions of <see cref="Cancellation"/>: budgets, clock, and how strictly tokens must match.</summary>
public sealed class CancellationOptions : TimedOperationOptions
{
    /// <summary>Initializes the options with their defaults.</summary>
    public CancellationOptions()
        : base("The operation")
    {
    }

    /// <summary>Gets or sets how long after cancellation the operation may take to end.</summary>
    /// <value>1 second.</value>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long an operation given an already-cancelled token may take to end, when it does not end synchronously.</summary>
    /// <value>50 milliseconds.</value>
    public TimeSpan PreCancelledBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Gets or sets a value indicating whether an <see cref="OperationCanceledException"/> may carry a token other than
    /// the given one, provided that token is cancelled and the operation was still running when the given token was cancelled.
    /// </summary>
    /// <value><see langword="true"/>, which accepts tokens linked from the given one (see the remarks of <see cref="Cancellation"/>).</value>
    public bool AcceptLinkedTokens { get; set; } = true;

    /// <inheritdoc/>
    private protected override string Kind => "cancellation";

    /// <inheritdoc/>
    private protected override void AddProblems(List<string> problems)
    {
        RequireNotNegative(problems, Budget, nameof(Budget));
        RequireNotNegative(problems, PreCancelledBudget, nameof(PreCancelledBudget));
    }
}
