namespace LiveFixtures.Consumer;

/// <summary>Finds the repository's test app, whose path eng/check-package.sh passes in LIVEFIXTURES_TESTAPP.</summary>
internal static class TestApp
{
    /// <summary>The environment variable that holds the path of LiveFixtures.TestApp.dll.</summary>
    public const string Variable = "LIVEFIXTURES_TESTAPP";

    /// <summary>Gets the path of LiveFixtures.TestApp.dll.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set or names a missing file.</exception>
    public static string Dll
    {
        get
        {
            var path = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrEmpty(path))
            {
                throw new InvalidOperationException($"{Variable} is not set, so the consumer tests cannot start the test app. Run eng/check-package.sh, or set {Variable} to the path of a built LiveFixtures.TestApp.dll.");
            }

            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"{Variable} names '{path}', which does not exist. Build tests/LiveFixtures.TestApp first, or run eng/check-package.sh.");
        }
    }
}
