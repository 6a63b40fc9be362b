namespace LiveFixtures.Timing;

/// <summary>Configures <see cref="Deadline"/>: the clock, the grace after cancellation, and the operation's name.</summary>
public sealed class DeadlineOptions
{
    /// <summary>Gets or sets the clock that times the deadline and the grace.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets how long an operation that missed its deadline is given to stop after it is cancelled, before it is reported as leaked.</summary>
    /// <value>1 second.</value>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the name of the operation in failure messages.</summary>
    /// <value>"The operation".</value>
    public string OperationName { get; set; } = "The operation";

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (Grace < TimeSpan.Zero)
        {
            problems.Add($"Grace must not be negative, but is {Grace}.");
        }

        if (string.IsNullOrWhiteSpace(OperationName))
        {
            problems.Add("OperationName must not be empty.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The deadline options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
