using LiveFixtures.Extensibility;


namespace LiveFixtures.Suite;

/// <summary>Reads how the suite runs from environment variables.</summary>
public static class SuiteMode
{
    /// <summary>Gets the name of the variable that selects the mode: <c>budget</c>, or anything else for the normal mode.</summary>
    public const string Variable = "SUITE_MODE";

    /// <summary>Gets the name of the variable that selects the readiness probe: <c>http</c> to poll <c>GET /health</c>, else the ready line.</summary>
    public const string ReadinessVariable = "SUITE_READINESS";

    /// <summary>Gets whether the suite runs in budget mode: the shared app crashes on its first click, until its restart budget is used up.</summary>
    /// <value>False unless <c>SUITE_MODE=budget</c>.</value>
    public static bool IsBudget { get; } = Is(Variable, "budget");

    /// <summary>Gets the readiness probe for the test app.</summary>
    /// <value>
    /// The app's ready line, as in the quick start (event-driven, no polling); <c>GET /health</c> answering 2xx, polled,
    /// with <c>SUITE_READINESS=http</c>.
    /// </value>
    public static IProbe Readiness { get; } = Is(ReadinessVariable, "http") ? Probe.Http("/health") : Probe.OutputLine("^TestApp ready on ");

    private static bool Is(string variable, string value) =>
        string.Equals(Environment.GetEnvironmentVariable(variable), value, StringComparison.OrdinalIgnoreCase);
}
