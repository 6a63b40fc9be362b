using Xunit;

namespace LiveFixtures.Consumer;

/// <summary>Shares one <see cref="LiveGuiFixture"/> between the test classes of the "LiveGui" collection.</summary>
[CollectionDefinition("LiveGui")]
public sealed class LiveGuiCollection : ICollectionFixture<LiveGuiFixture>;
