namespace LiveFixtures.Timing;

/// <summary>
/// Holds what every timed assertion on an operation shares: the clock that times it and the operation's name in
/// failure messages. <see cref="DeadlineOptions"/>, <see cref="CancellationOptions"/> and <see cref="ShutdownOptions"/>
/// add their own limits to it.
/// </summary>
public abstract class TimedOperationOptions
{
    private protected TimedOperationOptions(string defaultOperationName) => OperationName = defaultOperationName;

    /// <summary>Gets or sets the clock that times the operation, such as a <see cref="VirtualTimeProvider"/>.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the name of the operation in failure messages.</summary>
    /// <value>"The operation" ("The stop" for <see cref="ShutdownOptions"/>).</value>
    public string OperationName { get; set; }

    /// <summary>Gets the name of these options in the validation message, such as "deadline".</summary>
    private protected abstract string Kind { get; }

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    /// <exception cref="ArgumentException">One or more options are not valid; the message lists each.</exception>
    internal void Validate()
    {
        var problems = new List<string>();
        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (string.IsNullOrWhiteSpace(OperationName))
        {
            problems.Add("OperationName must not be empty.");
        }

        AddProblems(problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The {Kind} options are not valid: " + string.Join(" ", problems), "options");
        }
    }

    /// <summary>Adds the problems with the options of the derived type.</summary>
    /// <param name="problems">The list to add a sentence per problem to.</param>
    private protected abstract void AddProblems(List<string> problems);

    /// <summary>Adds a problem when <paramref name="value"/> is negative.</summary>
    private protected static void RequireNotNegative(List<string> problems, TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            problems.Add($"{name} must not be negative, but is {value}.");
        }
    }
}
