namespace LiveFixtures.Health;

/// <summary>Holds the name used for the port that has no name of its own.</summary>
internal static class PortNames
{
    /// <summary>The name of the default port, written <c>{port}</c> in templates.</summary>
    public const string Default = "port";
}
