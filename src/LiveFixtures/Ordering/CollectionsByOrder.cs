using Xunit.Sdk;
using Xunit.v3;

namespace LiveFixtures;

/// <summary>
/// Orders test collections by the <see cref="CollectionOrderAttribute"/> on their definition class, lowest first;
/// collections with the same order, or without the attribute (order 0), run in name order. Apply it to the test
/// assembly: <c>[assembly: TestCollectionOrderer(typeof(CollectionsByOrder))]</c>.
/// </summary>
/// <remarks>
/// xUnit still runs collections that allow parallelization side by side, and those with
/// <c>DisableParallelization = true</c> after them: turn parallelization off for one collection at a time.
/// Works on xUnit v3 3.2.x and 4.x.
/// </remarks>
public sealed class CollectionsByOrder : ITestCollectionOrderer
{
    /// <summary>Orders the collections by their <see cref="CollectionOrderAttribute"/>, then by display name.</summary>
    /// <typeparam name="TTestCollection">The type of the collections.</typeparam>
    /// <param name="testCollections">The collections to order.</param>
    /// <returns>The collections in the order to run.</returns>
    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection
    {
        ArgumentNullException.ThrowIfNull(testCollections);
        return [.. testCollections
            .OrderBy(c => OrderOf(c))
            .ThenBy(c => c.TestCollectionDisplayName, StringComparer.Ordinal)];
    }

    private static int OrderOf(ITestCollection collection) =>
        collection is IXunitTestCollection { CollectionDefinition: { } definition }
        && definition.GetCustomAttributes(typeof(CollectionOrderAttribute), inherit: false) is [CollectionOrderAttribute order, ..]
            ? order.Order
            : 0;
}
