using System.Text.RegularExpressions;
using Xunit;

namespace LiveFixtures.Tests.Launching;

/// <summary>A start keeps its workspace where only this user can reach it, and a start that fails leaves nothing of itself behind.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LauncherTests
{

    [Fact(Timeout = 60_000)]
    public async Task Spawn_Workspace_LivesInAFolderOnlyThisUserCanOpen()
    {
        await using var app = new LiveProcessBuilder("/bin/sleep").WithArguments("120").WithWorkspace().Build();

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        // {temp}/livefixtures-{uid}/workspaces/{name}-...: the per-user folder is the workspaces folder's parent.
        var workspaces = Directory.GetParent(generation.WorkspacePath!)!;
        var root = workspaces.Parent!;
        Assert.Equal($"livefixtures-{CurrentUserId()}", root.Name);
        Assert.Equal(Path.GetFullPath(Path.GetTempPath()).TrimEnd('/'), root.Parent!.FullName.TrimEnd('/'));
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(ownerOnly, root.UnixFileMode);
        Assert.Equal(ownerOnly, workspaces.UnixFileMode);
        Assert.Null(root.LinkTarget);
    }

    [Fact(Timeout = 30_000)]
    public async Task Spawn_WorkingDirectoryMissingInTheWorkspace_RemovesTheWorkspace()
    {
        var name = "NoWorkDir" + Guid.NewGuid().ToString("N")[..8];
        await using var app = new LiveProcessBuilder("/bin/sleep").WithName(name).WithArguments("120")
            .WithWorkspace()
            .WithWorkingDirectory("{workspace}/missing")
            .Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        var workspace = Regex.Match(error.Message, "the working directory (/.+)/missing does not exist").Groups[1].Value;
        Assert.Contains(name, workspace, StringComparison.Ordinal);
        Assert.False(Directory.Exists(workspace), $"The workspace {workspace} of the failed start was left behind.");
    }

    [Fact(Timeout = 30_000)]
    public async Task Spawn_OsRefusesTheProgram_RemovesTheWorkspaceAndClosesTheLogFile()
    {
        var name = "NotAProgram" + Guid.NewGuid().ToString("N")[..8];
        var scratch = Directory.CreateTempSubdirectory("launcher-tests-");
        try
        {
            var program = Path.Combine(scratch.FullName, "garbage");
            await File.WriteAllBytesAsync(program, [0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3], TestContext.Current.CancellationToken); // an ELF header cut short
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var logs = Path.Combine(scratch.FullName, "logs");
            await using var app = new LiveProcessBuilder(program).WithName(name).WithWorkspace().WithLogDirectory(logs).WithProcessGroup(false).Build();

            var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

            Assert.Contains("the OS refused to run", error.Message, StringComparison.Ordinal);
            Assert.Empty(WorkspacesNamed(name));
            Assert.DoesNotContain(OpenFilesOfThisProcess(), f => f.StartsWith(logs, StringComparison.Ordinal));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Lists workspaces of a handle name in every LiveFixtures folder of the temp folder (the per-user one, or the shared one of old).</summary>
    private static List<string> WorkspacesNamed(string name) =>
        [.. new DirectoryInfo(Path.GetTempPath()).EnumerateDirectories("livefixtures*")
            .Where(d => d.Name == "livefixtures" || Regex.IsMatch(d.Name, @"^livefixtures-\d+$"))
            .Select(d => Path.Combine(d.FullName, "workspaces"))
            .Where(Directory.Exists)
            .SelectMany(w => Directory.EnumerateDirectories(w, name + "-*"))];

    private static uint CurrentUserId() =>
        uint.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> OpenFilesOfThisProcess() =>
        [.. new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Select(f => f.LinkTarget).OfType<string>()];
}
