namespace LiveFixtures;

/// <summary>Describes one change of a <see cref="LiveProcess"/>'s state.</summary>
/// <param name="previous">The state before.</param>
/// <param name="current">The state now.</param>
/// <param name="generation">The generation the change concerns.</param>
/// <param name="detail">What caused it, when known.</param>
public sealed class LiveProcessStateChangedEventArgs(LiveProcessState previous, LiveProcessState current, int generation, string? detail) : EventArgs
{
    /// <summary>Gets the state before the change.</summary>
    public LiveProcessState Previous { get; } = previous;

    /// <summary>Gets the state after the change.</summary>
    public LiveProcessState Current { get; } = current;

    /// <summary>Gets the generation the change concerns.</summary>
    public int Generation { get; } = generation;

    /// <summary>Gets what caused the change, when known (a death record's text, a probe result).</summary>
    public string? Detail { get; } = detail;
}
