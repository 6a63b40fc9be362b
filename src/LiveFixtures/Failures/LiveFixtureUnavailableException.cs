namespace LiveFixtures;

/// <summary>Reports that a fixture's process could not be started (or configured), with the cause, to every test that needs it.</summary>
public sealed class LiveFixtureUnavailableException : LiveProcessException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The start or configuration failure, captured once.</param>
    public LiveFixtureUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
