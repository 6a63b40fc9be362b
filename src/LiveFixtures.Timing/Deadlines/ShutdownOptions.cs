namespace LiveFixtures.Timing;

/// <summary>Configures <see cref="Shutdown"/>: the clock, when to cancel the stop's token, and the stop's name.</summary>
public sealed class ShutdownOptions
{
    /// <summary>Gets or sets the clock that times the budget and <see cref="CancelAfter"/>.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets how long after the stop starts its token is cancelled, that is, how long it may stay graceful.</summary>
    /// <value>Zero: the token is cancelled as soon as the stop has returned its task.</value>
    public TimeSpan CancelAfter { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets the name of the stop in failure messages.</summary>
    /// <value>"The stop".</value>
    public string OperationName { get; set; } = "The stop";

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (CancelAfter < TimeSpan.Zero)
        {
            problems.Add($"CancelAfter must not be negative, but is {CancelAfter}.");
        }

        if (string.IsNullOrWhiteSpace(OperationName))
        {
            problems.Add("OperationName must not be empty.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The shutdown options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
