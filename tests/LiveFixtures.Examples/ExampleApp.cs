using System.Runtime.CompilerServices;
using LiveFixtures.Testing;

namespace LiveFixtures.Examples;

/// <summary>Points the docs' fixture at this repository's test app, as a user points it at their own app.</summary>
internal static class ExampleApp
{
    /// <summary>Sets LIVEGUI_APP to the built test app before any test runs, unless the caller set it.</summary>
#pragma warning disable CA2255 // A test executable, not a library: this runs once, before the fixtures are created.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PointAtTheTestApp()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LIVEGUI_APP")))
        {
            Environment.SetEnvironmentVariable("LIVEGUI_APP", TestAppPaths.Dll);
        }
    }
}
