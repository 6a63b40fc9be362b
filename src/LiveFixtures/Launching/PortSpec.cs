namespace LiveFixtures.Launching;

/// <summary>One port the process needs: allocated free, or fixed.</summary>
internal sealed record PortSpec(string Name, int? FixedPort, bool FromOutput = false);
