using Xunit.Sdk;
using Xunit.v3;

namespace LiveFixtures.Examples;

/// <summary>Orders test collections by name, so that "Crash 1" runs before "Crash 2".</summary>
public sealed class CollectionsByName : ITestCollectionOrderer
{
    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection =>
        testCollections.OrderBy(c => c.TestCollectionDisplayName, StringComparer.Ordinal).ToList();
}
