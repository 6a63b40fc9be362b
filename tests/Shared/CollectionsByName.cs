using Xunit.Sdk;
using Xunit.v3;

namespace LiveFixtures.Testing;

/// <summary>Orders test collections by name, so that suites whose order matters (the crash demo, Class01..Class44) run in turn.</summary>
public sealed class CollectionsByName : ITestCollectionOrderer
{
    /// <inheritdoc/>
    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection =>
        testCollections.OrderBy(c => c.TestCollectionDisplayName, StringComparer.Ordinal).ToList();
}
