using LiveFixtures.Testing;

namespace LiveFixtures.Suite.ClassScope;

/// <summary>The test app, one process per test class that uses it (a class fixture).</summary>
public sealed class PerClassAppFixture : LiveProcessFixture
{
    /// <inheritdoc/>
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) =>
        TestAppPaths.Builder().WithName(Name).WithReadiness(SuiteMode.Readiness);
}
