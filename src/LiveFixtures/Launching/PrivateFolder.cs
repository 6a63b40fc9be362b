using LiveFixtures.Platform;

namespace LiveFixtures.Launching;

/// <summary>
/// Finds the folder where LiveFixtures keeps this user's workspaces (and, off Linux, port claims): <c>livefixtures-{uid}</c> in the
/// temp folder (<c>TMPDIR</c>, else /tmp), one per user, never a folder shared by all users. It is created readable
/// by its owner only (0700), and one found there is used only when it is a real folder (not a symbolic link) owned
/// by this user, so that no other user can read, plant or change what the test processes use.
/// </summary>
internal static class PrivateFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Gets the path of this user's folder (not checked: <see cref="Get"/> checks it).</summary>
    public static string Root => Path.Combine(
        Path.GetTempPath(),
        OperatingSystem.IsLinux() ? $"livefixtures-{UnixFileStatus.EffectiveUserId}" : $"livefixtures-{string.Concat(Environment.UserName.Where(char.IsLetterOrDigit))}");

    /// <summary>Returns the subfolder <paramref name="name"/> of this user's folder, both created or checked.</summary>
    /// <exception cref="UnauthorizedAccessException">A folder on the way is a symbolic link or belongs to another user.</exception>
    /// <exception cref="IOException">A file stands where a folder should be, or it cannot be created.</exception>
    public static string Get(string name) => Ensure(Path.Combine(Ensure(Root), name));

    /// <summary>Creates <paramref name="path"/> for its owner only, or checks the one there and tightens its permissions.</summary>
    /// <param name="path">The folder.</param>
    /// <param name="keeps">What LiveFixtures keeps there, for messages: "your test processes' ports and workspaces".</param>
    /// <param name="elsewhere">How to point LiveFixtures at another folder, for messages.</param>
    internal static string Ensure(string path, string keeps = "your test processes' ports and workspaces", string elsewhere = "point TMPDIR at a folder only you can write to")
    {
        if (!OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        if (UnixFileStatus.Read(path) is null)
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }

        // Checked after creating too: another user may have won the race to create it.
        var (owner, mode) = UnixFileStatus.Read(path) ?? throw new IOException($"The folder {path} could not be created: it vanished as it was made. Check the temp folder and run again.");
        var fix = $"Remove it ('rm -r {path}' as its owner or root) and run again, or {elsewhere}.";
        if ((mode & UnixFileStatus.TypeMask) == UnixFileStatus.SymbolicLink)
        {
            throw new UnauthorizedAccessException(
                $"LiveFixtures keeps {keeps} in {path}, but that is a symbolic link (to {new FileInfo(path).LinkTarget}), not a folder: someone may have put it there to read or change what LiveFixtures keeps there, so it is not used. {fix}");
        }

        if ((mode & UnixFileStatus.TypeMask) != UnixFileStatus.Directory)
        {
            throw new IOException($"LiveFixtures keeps {keeps} in {path}, but a file that is not a folder is there. {fix}");
        }

        var me = UnixFileStatus.EffectiveUserId;
        if (owner != me)
        {
            throw new UnauthorizedAccessException(
                $"LiveFixtures keeps {keeps} in {path}, but that folder belongs to another user (uid {owner}), not to you (uid {me}): they could read or change what LiveFixtures keeps there, so it is not used. {fix}");
        }

        if ((mode & 0x3F) != 0)
        {
            // Ours, but open to others (made by hand, or by an older version): close it.
            File.SetUnixFileMode(path, OwnerOnly);
        }

        return path;
    }
}
