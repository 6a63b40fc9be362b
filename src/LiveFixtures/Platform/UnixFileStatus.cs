using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace LiveFixtures.Platform;

/// <summary>Tells who owns a path and what it is, without following a symbolic link (statx), and who this process runs as.</summary>
[SupportedOSPlatform("linux")]
internal static partial class UnixFileStatus
{
    /// <summary>The file type bits of a mode.</summary>
    public const uint TypeMask = 0xF000;

    /// <summary>The file type of a directory.</summary>
    public const uint Directory = 0x4000;

    /// <summary>The file type of a symbolic link.</summary>
    public const uint SymbolicLink = 0xA000;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint WantTypeModeAndOwner = 0x1 | 0x2 | 0x8; // STATX_TYPE | STATX_MODE | STATX_UID
    private const int Enoent = 2;
    private const int Enosys = 38;

    /// <summary>Gets the effective user id of this process.</summary>
    public static uint EffectiveUserId => GetEffectiveUserId();

    /// <summary>
    /// Returns the owner and the mode (type and permission bits) of <paramref name="path"/> itself, or null when nothing is
    /// there. Without statx in the C library the owner cannot be read and is reported as this user.
    /// </summary>
    public static unsafe (uint Owner, uint Mode)? Read(string path)
    {
        // struct statx has the same layout on every architecture: stx_uid at offset 20, stx_mode at 28; 256 bytes.
        var buffer = stackalloc byte[256];
        int result;
        try
        {
            result = StatX(AtFdCwd, path, AtSymlinkNoFollow, WantTypeModeAndOwner, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // A C library without statx (glibc before 2.28, old musl): the type and mode are still known, the owner is not.
            return ReadWithoutOwner(path);
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Enosys)
            {
                return ReadWithoutOwner(path); // a kernel older than statx (4.11)
            }

            return errno == Enoent ? null : throw new IOException($"Could not read the owner of {path}: statx failed with errno {errno}.");
        }

        return (*(uint*)(buffer + 20), *(ushort*)(buffer + 28));
    }

    private static (uint Owner, uint Mode)? ReadWithoutOwner(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return (EffectiveUserId, SymbolicLink);
        }

        var type = System.IO.Directory.Exists(path) ? Directory : File.Exists(path) ? 0x8000u : (uint?)null;
        return type is { } t ? (EffectiveUserId, t | (uint)File.GetUnixFileMode(path)) : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatX(int directoryFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
