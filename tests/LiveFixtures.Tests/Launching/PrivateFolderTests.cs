using LiveFixtures.Launching;
using Xunit;

namespace LiveFixtures.Tests.Launching;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivateFolderTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("private-folder-tests-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void Ensure_Missing_CreatesItForItsOwnerOnly()
    {
        var path = Path.Combine(_scratch.FullName, "new");

        PrivateFolder.Ensure(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Ensure_OwnFolderOpenToOthers_IsClosed()
    {
        var path = Path.Combine(_scratch.FullName, "open");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, OwnerOnly | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        PrivateFolder.Ensure(path);

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Ensure_SymbolicLinkInItsPlace_IsRefusedNamingTheFix()
    {
        var target = Directory.CreateDirectory(Path.Combine(_scratch.FullName, "elsewhere"));
        var path = Path.Combine(_scratch.FullName, "planted");
        Directory.CreateSymbolicLink(path, target.FullName);

        var error = Assert.Throws<UnauthorizedAccessException>(() => PrivateFolder.Ensure(path));

        Assert.Contains($"{path}, but that is a symbolic link (to {target.FullName})", error.Message, StringComparison.Ordinal);
        Assert.Contains("Remove it", error.Message, StringComparison.Ordinal);
        Assert.Contains("TMPDIR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_FileInItsPlace_IsRefused()
    {
        var path = Path.Combine(_scratch.FullName, "file");
        File.WriteAllText(path, "not a folder");

        var error = Assert.Throws<IOException>(() => PrivateFolder.Ensure(path));

        Assert.Contains("a file that is not a folder is there", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Ensure_FolderOfAnotherUser_IsRefusedNamingTheOwner()
    {
        Assert.SkipUnless(CurrentUserId() == 0, "Handing a folder to another user (chown) needs root.");
        var path = Directory.CreateDirectory(Path.Combine(_scratch.FullName, "theirs")).FullName;
        File.SetUnixFileMode(path, OwnerOnly);
        using (var chown = System.Diagnostics.Process.Start("chown", ["65534", path]))
        {
            await chown.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, chown.ExitCode);
        }

        var error = Assert.Throws<UnauthorizedAccessException>(() => PrivateFolder.Ensure(path));

        Assert.Contains("belongs to another user (uid 65534), not to you (uid 0)", error.Message, StringComparison.Ordinal);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
    }

    private static uint CurrentUserId() =>
        uint.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
}
