namespace LiveFixtures;

/// <summary>Reports that a wait was cut short because the process died (or degraded) while it waited.</summary>
public sealed class LiveProcessDiedException : LiveProcessException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="death">How the generation ended.</param>
    public LiveProcessDiedException(string message, DeathRecord death)
        : base(message) => Death = death;

    /// <summary>Gets how the generation ended.</summary>
    public DeathRecord Death { get; }
}
