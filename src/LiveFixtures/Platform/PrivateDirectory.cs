using System.Globalization;
using System.Runtime.InteropServices;

namespace LiveFixtures.Platform;

/// <summary>
/// Creates and checks directories that only the current user may use: created 0700, and before each use checked to
/// be a real directory (not a symbolic link) owned by the effective user, so that another user on the machine can
/// neither read what is in it nor plant something there for us to use.
/// </summary>
internal static partial class PrivateDirectory
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;
    private const int SIfMt = 0xF000;
    private const int SIfDir = 0x4000;

    /// <summary>Gets the effective user id, or -1 on an OS without one.</summary>
    public static long EffectiveUserId { get; } = OperatingSystem.IsLinux() ? geteuid() : -1;

    /// <summary>Creates <paramref name="path"/> (and missing parents) for the current user only, and checks it.</summary>
    /// <param name="path">The absolute path of the directory.</param>
    /// <returns>The path.</returns>
    /// <exception cref="UnauthorizedAccessException">The path is a symbolic link, not a directory, or owned by another user.</exception>
    public static string Ensure(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        if (!Directory.Exists(path) && !File.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Check(path);
        return path;
    }

    /// <summary>Checks that <paramref name="path"/> is a directory, not a link, owned by us; narrows its mode to 0700.</summary>
    /// <exception cref="UnauthorizedAccessException">It is not.</exception>
    public static void Check(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        if (!TryOwner(path, out var uid, out var mode))
        {
            throw new UnauthorizedAccessException($"LiveFixtures cannot use '{path}': it cannot be examined (errno {Marshal.GetLastPInvokeError()}). Remove it or point LiveFixtures elsewhere ({StateDirectory.Variable}).");
        }

        if ((mode & SIfMt) != SIfDir)
        {
            throw new UnauthorizedAccessException($"LiveFixtures cannot use '{path}': it is a symbolic link or a file, not a directory, so someone else may have put it there. Remove it, or point LiveFixtures elsewhere ({StateDirectory.Variable}).");
        }

        if (uid != EffectiveUserId)
        {
            throw new UnauthorizedAccessException(string.Create(CultureInfo.InvariantCulture,
                $"LiveFixtures cannot use '{path}': it belongs to user {uid}, not to you (user {EffectiveUserId}), so that user could read or change what LiveFixtures keeps there. Remove it, or point LiveFixtures elsewhere ({StateDirectory.Variable})."));
        }

        if ((mode & 0x3F) != 0)
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Reads the owner and mode of a path without following a final symbolic link.</summary>
    public static bool TryOwner(string path, out long uid, out int mode)
    {
        uid = -1;
        mode = 0;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return false;
        }

        uid = BitConverter.ToUInt32(buffer[20..24]);
        mode = BitConverter.ToUInt16(buffer[28..30]);
        return true;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, ref byte statxbuf);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
