using System.Collections.Concurrent;
using Xunit;

[assembly: TestCollectionOrderer(typeof(LiveFixtures.CollectionsByOrder))]

namespace LiveFixtures.Consumer;

// Three batches that must run one after the other in the order of their [CollectionOrder], which is not their name
// order: "Batch C" first, then "Batch A", then "Batch B", which checks what ran before it. DisableParallelization
// makes xUnit run them one at a time, after the parallel collections, in the orderer's order.

[CollectionDefinition("Batch C", DisableParallelization = true)]
[CollectionOrder(1)]
public sealed class BatchCCollection;

[CollectionDefinition("Batch A", DisableParallelization = true)]
[CollectionOrder(2)]
public sealed class BatchACollection;

[CollectionDefinition("Batch B", DisableParallelization = true)]
[CollectionOrder(3)]
public sealed class BatchBCollection;

/// <summary>What the batches saw, in the order they ran.</summary>
internal static class BatchLog
{
    public static ConcurrentQueue<string> Ran { get; } = new();
}

[Collection("Batch C")]
public sealed class BatchCTests
{
    [Fact]
    public void BatchC_RunsFirst() => BatchLog.Ran.Enqueue("C");
}

[Collection("Batch A")]
public sealed class BatchATests
{
    [Fact]
    public void BatchA_RunsSecond() => BatchLog.Ran.Enqueue("A");
}

[Collection("Batch B")]
public sealed class BatchBTests
{
    [Fact]
    public void BatchB_RunsLast_AfterTheOthersInTheirDeclaredOrder()
    {
        Assert.Equal(["C", "A"], BatchLog.Ran.ToArray());
    }
}
