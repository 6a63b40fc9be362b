using LiveFixtures.Launching;

namespace LiveFixtures;

public sealed partial class LiveProcessBuilder
{
    /// <summary>
    /// Writes a file into each generation's workspace before it starts, such as a server's configuration file, so a
    /// server that reads its port from a file needs no shell wrapper. Turns on the workspace (see
    /// <see cref="WithWorkspace"/>). In <paramref name="content"/> only <c>{port}</c>, <c>{port:name}</c>,
    /// <c>{workspace}</c> and <c>{generation}</c> are replaced; every other brace stays as written.
    /// </summary>
    /// <param name="relativePath">The file's path inside the workspace, such as <c>nginx.conf</c> or <c>conf/app.ini</c>; its folders are created.</param>
    /// <param name="content">The file's text, with placeholders.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithFile(string relativePath, string content)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        ArgumentNullException.ThrowIfNull(content);
        return new(_spec with { Workspace = true, Files = _spec.Files.Add(new StartFile(relativePath, content)) });
    }
}
