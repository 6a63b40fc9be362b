using LiveFixtures.Testing;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>Finds the built example suite (LiveFixtures.Suite.dll), built with the same configuration as these tests.</summary>
internal static class SuitePaths
{
    /// <summary>Gets the path of LiveFixtures.Suite.dll.</summary>
    public static string Dll { get; } = TestAppPaths.BuiltDll("LiveFixtures.Suite");
}
