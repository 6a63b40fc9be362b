namespace LiveFixtures.Timing;

/// <summary>Configures the assertions of <see cref="Cancellation"/>: budgets, clock, and how strictly tokens must match.</summary>
public sealed class CancellationOptions
{
    /// <summary>Gets or sets how long after cancellation the operation may take to end.</summary>
    /// <value>1 second.</value>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long an operation given an already-cancelled token may take to end, when it does not end synchronously.</summary>
    /// <value>50 milliseconds.</value>
    public TimeSpan PreCancelledBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Gets or sets the clock that times the budgets and <see cref="CancelTrigger.After"/>.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets a value indicating whether an <see cref="OperationCanceledException"/> may carry a token other than
    /// the given one, provided that token is cancelled and the operation was still running when the given token was cancelled.
    /// </summary>
    /// <value><see langword="true"/>, which accepts tokens linked from the given one (see the remarks of <see cref="Cancellation"/>).</value>
    public bool AcceptLinkedTokens { get; set; } = true;

    /// <summary>Gets or sets the name of the operation in failure messages.</summary>
    /// <value>"The operation".</value>
    public string OperationName { get; set; } = "The operation";

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (Budget < TimeSpan.Zero)
        {
            problems.Add($"Budget must not be negative, but is {Budget}.");
        }

        if (PreCancelledBudget < TimeSpan.Zero)
        {
            problems.Add($"PreCancelledBudget must not be negative, but is {PreCancelledBudget}.");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (string.IsNullOrWhiteSpace(OperationName))
        {
            problems.Add("OperationName must not be empty.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The cancellation options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
