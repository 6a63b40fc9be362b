namespace LiveFixtures.Timing;

/// <summary>Configures <see cref="Cancellation.SweepAsync"/>: the budget, the token rule, and the step to replay.</summary>
public sealed class CancellationSweepOptions
{
    /// <summary>Gets or sets how long after cancellation each run may take to end: in virtual time on the sweep's clock, and the same again in real time for work that is not on it.</summary>
    /// <value>1 second.</value>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets a value indicating whether a run may end with a token linked from the one it was given (see <see cref="Cancellation"/>).</summary>
    /// <value><see langword="true"/>.</value>
    public bool AcceptLinkedTokens { get; set; } = true;

    /// <summary>Gets or sets the one step to cancel at, to replay a failure; steps are numbered from 1.</summary>
    /// <value><see langword="null"/>: every step.</value>
    public int? OnlyStep { get; set; }

    /// <summary>Gets or sets the most steps, and the most timer firings, one run may take before the sweep gives up on it.</summary>
    /// <value>1,000.</value>
    public int MaxSteps { get; set; } = 1_000;

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

        if (OnlyStep is < 1)
        {
            problems.Add($"OnlyStep must be at least 1, but is {OnlyStep}.");
        }

        if (MaxSteps < 1)
        {
            problems.Add($"MaxSteps must be at least 1, but is {MaxSteps}.");
        }

        if (string.IsNullOrWhiteSpace(OperationName))
        {
            problems.Add("OperationName must not be empty.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The cancellation sweep options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
