using LiveFixtures.Testing;

namespace LiveFixtures.Benchmarks;

/// <summary>Shares the repository's test app with the HTTP liveness probe <c>GET /health</c>, as <c>TestAppPaths.Builder</c> configures it.</summary>
internal sealed class TestAppWithLivenessFixture : LiveProcessFixture
{
    /// <inheritdoc/>
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => TestAppPaths.Builder().WithName(Name);
}
