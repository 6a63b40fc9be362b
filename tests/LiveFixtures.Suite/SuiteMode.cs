using LiveFixtures.Extensibility;


namespace LiveFixtures.Suite;

/// <summary>Reads how the suite runs from environment variables.</summary>
public static class SuiteMode
{
    /// <summary>Gets the name of the variable that selects the mode: <c>budget</c>, or anything else for the normal mode.</summary>
    public const string Variable = "SUITE_MODE";

    /// <summary>Gets the name of the variable that selects the readiness probe: <c>output</c> for the ready line, else HTTP.</summary>
    public const string ReadinessVariable = "SUITE_READINESS";

    /// <summary>Gets whether the suite runs in budget mode: the shared app crashes on its first click, until its restart budget is used up.</summary>
    /// <value>False unless <c>SUITE_MODE=budget</c>.</value>
    public static bool IsBudget { get; } = Is(Variable, "budget");

    /// <summary>Gets the readiness probe for the test app.</summary>
    /// <value>
    /// <c>GET /health</c> answering 2xx, polled. The ready-line probe (<c>SUITE_READINESS=output</c>) can miss a line
    /// that arrives while it is being checked and then waits out the 60 s startup timeout; see the README.
    /// </value>
    public static IProbe Readiness { get; } = Is(ReadinessVariable, "output") ? Probe.OutputLine("^TestApp ready on ") : Probe.Http("/health");

    private static bool Is(string variable, string value) =>
        string.Equals(Environment.GetEnvironmentVariable(variable), value, StringComparison.OrdinalIgnoreCase);
}
