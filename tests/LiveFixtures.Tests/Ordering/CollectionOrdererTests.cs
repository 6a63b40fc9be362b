using Xunit;
using Xunit.v3;

namespace LiveFixtures.Tests.Ordering;

public sealed class CollectionOrdererTests
{
    private static readonly XunitTestAssembly Assembly = new(typeof(CollectionOrdererTests).Assembly, null, null, "assembly");

    [Fact]
    public void CollectionsByName_MixedNames_RunInOrdinalNameOrder()
    {
        var collections = new[] { Collection("Batch 10"), Collection("batch 01"), Collection("Batch 02"), Collection("Batch 01") };

        var ordered = new CollectionsByName().OrderTestCollections(collections);

        Assert.Equal(["Batch 01", "Batch 02", "Batch 10", "batch 01"], ordered.Select(c => c.TestCollectionDisplayName));
    }

    [Fact]
    public void CollectionsByOrder_AttributeThenName_LowestFirstUnmarkedAtZero()
    {
        var collections = new[]
        {
            Collection("A last", typeof(Third)),
            Collection("Z first", typeof(First)),
            Collection("M unmarked"),
            Collection("B unmarked definition", typeof(Unmarked)),
            Collection("C before the unmarked", typeof(Negative)),
            Collection("Y also first", typeof(AlsoFirst)),
        };

        var ordered = new CollectionsByOrder().OrderTestCollections(collections);

        Assert.Equal(
            ["C before the unmarked", "B unmarked definition", "M unmarked", "Y also first", "Z first", "A last"],
            ordered.Select(c => c.TestCollectionDisplayName));
    }

    private static XunitTestCollection Collection(string name, Type? definition = null) =>
        new(Assembly, definition, disableParallelization: false, name, name);

    [CollectionOrder(1)]
    private sealed class First;

    [CollectionOrder(1)]
    private sealed class AlsoFirst;

    [CollectionOrder(3)]
    private sealed class Third;

    [CollectionOrder(-1)]
    private sealed class Negative;

    private sealed class Unmarked;
}
