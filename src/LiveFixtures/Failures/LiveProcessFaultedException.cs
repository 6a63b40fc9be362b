namespace LiveFixtures;

/// <summary>Reports that the restart budget is used up, listing the deaths that used it.</summary>
public sealed class LiveProcessFaultedException : LiveProcessException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="deaths">The deaths within the budget's window.</param>
    public LiveProcessFaultedException(string message, IReadOnlyList<DeathRecord> deaths)
        : base(message) => Deaths = deaths;

    /// <summary>Gets the deaths that used up the budget, oldest first.</summary>
    public IReadOnlyList<DeathRecord> Deaths { get; }
}
