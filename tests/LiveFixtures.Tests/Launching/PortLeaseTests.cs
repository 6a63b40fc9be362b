using LiveFixtures.Launching;
using Xunit;

namespace LiveFixtures.Tests.Launching;

public sealed class PortLeaseTests
{
    [Fact]
    public void AllocateFree_ManyAtOnce_NeverHandsOutTheSamePortTwice()
    {
        var leases = Enumerable.Range(0, 50).Select(_ => PortLease.AllocateFree()).ToList();
        try
        {
            Assert.Equal(50, leases.Select(l => l.Port).Distinct().Count());
        }
        finally
        {
            leases.ForEach(l => l.Dispose());
        }
    }

    [Fact]
    public void Fixed_PortAlreadyLeased_GetsNoLock()
    {
        using var held = PortLease.AllocateFree();

        using var again = PortLease.Fixed(held.Port);

        Assert.False(again.HoldsLock);
    }
}
