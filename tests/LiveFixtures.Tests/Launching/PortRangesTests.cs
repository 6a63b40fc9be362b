using LiveFixtures.Launching;
using Xunit;

namespace LiveFixtures.Tests.Launching;

/// <summary>Leased ports lie outside the kernel's ephemeral range and its reserved ports (issue 13, item 4).</summary>
public sealed class PortRangesTests
{
    [Fact]
    public void AllocateFree_ManyLeases_NoneInTheEphemeralRangeOrReserved()
    {
        var kernel = PortRanges.Read("/proc/sys/net/ipv4");
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var reserved = PortRanges.ParseList(File.ReadAllText("/proc/sys/net/ipv4/ip_local_reserved_ports"));
        Assert.NotEmpty(kernel.Candidates);

        var leases = Enumerable.Range(0, 100).Select(_ => PortLease.AllocateFree()).ToList();
        try
        {
            Assert.All(leases, l => Assert.False(l.Port >= range[0] && l.Port <= range[1], $"port {l.Port} lies in the ephemeral range {range[0]}-{range[1]}"));
            Assert.All(leases, l => Assert.DoesNotContain(reserved, r => l.Port >= r.Low && l.Port <= r.High));
            Assert.All(leases, l => Assert.InRange(l.Port, PortRanges.Lowest, 65_535));
        }
        finally
        {
            leases.ForEach(l => l.Dispose());
        }
    }

    [Fact]
    public void AllocateFree_PortsToAvoid_AreNotPicked()
    {
        var avoid = PortRanges.Current.Candidates.Where(p => p % 2 == 0).ToHashSet();

        using var lease = PortLease.AllocateFree(avoid);

        Assert.DoesNotContain(lease.Port, avoid);
    }

    [Fact]
    public void Read_ReservedListAndRange_ExcludesBoth()
    {
        var dir = Directory.CreateTempSubdirectory("port-ranges-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "ip_local_port_range"), "20000\t65000\n");
            File.WriteAllText(Path.Combine(dir.FullName, "ip_local_reserved_ports"), "10005,12000-12009\n");

            var ranges = PortRanges.Read(dir.FullName);

            Assert.False(ranges.IsCandidate(10_005));
            Assert.False(ranges.IsCandidate(12_004));
            Assert.False(ranges.IsCandidate(30_000));
            Assert.True(ranges.IsCandidate(10_006));
            Assert.True(ranges.IsCandidate(65_001));
            Assert.Equal((20_000 - 10_000 - 11) + (65_535 - 65_000), ranges.Candidates.Count);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Read_EphemeralRangeCoversEverything_HasNoCandidates()
    {
        var dir = Directory.CreateTempSubdirectory("port-ranges-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "ip_local_port_range"), "1024 65535");
            File.WriteAllText(Path.Combine(dir.FullName, "ip_local_reserved_ports"), "");

            Assert.Empty(PortRanges.Read(dir.FullName).Candidates);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
