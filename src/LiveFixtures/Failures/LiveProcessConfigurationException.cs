namespace LiveFixtures;

/// <summary>Reports every problem found in a builder's settings at once, each with its fix.</summary>
public sealed class LiveProcessConfigurationException : LiveProcessException
{
    /// <summary>Initializes a new instance listing <paramref name="problems"/>.</summary>
    /// <param name="name">The name of the process being configured.</param>
    /// <param name="problems">The problems, each a sentence.</param>
    public LiveProcessConfigurationException(string name, IReadOnlyList<string> problems)
        : base(Format(name, problems)) => Problems = problems;

    /// <summary>Gets the problems, each a sentence ending in its fix.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string name, IReadOnlyList<string> problems) =>
        $"LiveProcess '{name}' is not configured correctly ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):"
        + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "- " + p));
}
