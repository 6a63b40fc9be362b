using System.Reflection;
using Xunit;

namespace LiveFixtures.Consumer;

public sealed class PackageTests
{
    [Fact]
    public void LiveFixtures_LoadedAssembly_IsThePackedVersion()
    {
        var expected = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "LiveFixturesVersion").Value;
        var actual = typeof(LiveProcessFixture).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        Assert.NotNull(actual);
        Assert.Equal(expected, actual.Split('+')[0]);
    }
}
