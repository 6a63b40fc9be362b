using Xunit.Sdk;
using Xunit.v3;

namespace LiveFixtures;

/// <summary>
/// Orders test collections by their display name (ordinal, so "Batch 02" before "Batch 10"), for suites that run
/// test files in a fixed order. Apply it to the test assembly: <c>[assembly: TestCollectionOrderer(typeof(CollectionsByName))]</c>.
/// </summary>
/// <remarks>
/// A collection defined with <c>[CollectionDefinition("name")]</c> sorts by that name; a class without
/// <c>[Collection]</c> is its own collection, named "Test collection for" and the class's full name. xUnit still runs
/// collections that allow parallelization side by side, and those with <c>DisableParallelization = true</c> after
/// them: turn parallelization off (<c>[assembly: CollectionBehavior(DisableTestParallelization = true)]</c>) for
/// one collection at a time. Works on xUnit v3 3.2.x and 4.x.
/// </remarks>
public sealed class CollectionsByName : ITestCollectionOrderer
{
    /// <summary>Orders the collections by display name, ordinal.</summary>
    /// <typeparam name="TTestCollection">The type of the collections.</typeparam>
    /// <param name="testCollections">The collections to order.</param>
    /// <returns>The collections in the order to run.</returns>
    public IReadOnlyCollection<TTestCollection> OrderTestCollections<TTestCollection>(IReadOnlyCollection<TTestCollection> testCollections)
        where TTestCollection : ITestCollection
    {
        ArgumentNullException.ThrowIfNull(testCollections);
        return [.. testCollections.OrderBy(c => c.TestCollectionDisplayName, StringComparer.Ordinal)];
    }
}
