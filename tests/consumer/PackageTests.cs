using System.Reflection;
using FluentAssertions;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Consumer;

public sealed class PackageTests
{
    private static string Metadata(string key) =>
        typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static string? InformationalVersion(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0];

    [Fact]
    public void LiveFixtures_LoadedAssemblies_AreThePackedVersion()
    {
        var expected = Metadata("LiveFixturesVersion");

        Assert.Equal(expected, InformationalVersion(typeof(LiveProcessFixture)));
        Assert.Equal(expected, InformationalVersion(typeof(VirtualTimeProvider)));
        Assert.Equal(expected, InformationalVersion(typeof(LiveFixtures.FluentAssertions.LiveFixturesAssertionExtensions)));
    }

    [Fact]
    public void Xunit_LoadedCore_IsTheLineThisLegTests()
    {
        var expected = Metadata("XunitVersion");

        Assert.Equal(expected, InformationalVersion(typeof(TestContext)));
    }

    [Fact]
    public void FluentAssertions_LoadedAssembly_IsTheVersionThisLegTests()
    {
        var expected = Metadata("FluentAssertionsVersion");

        Assert.StartsWith(expected, InformationalVersion(typeof(AssertionExtensions)), StringComparison.Ordinal);
    }
}
