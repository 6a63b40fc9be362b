using System.Runtime.InteropServices;

namespace LiveFixtures.Platform;

/// <summary>The calls behind the watchdog: a detached start (its own session, chosen descriptors) and its pipes.</summary>
internal static unsafe partial class LinuxNative
{
    public const int FSetFl = 4;
    public const int FGetFl = 3;
    public const int ONonblock = 0x800;
    public const int ORdwr = 2;
    public const int OWronly = 1;
    public const int OCreat = 0x40;
    public const int OAppend = 0x400;
    public const int Epipe = 32;

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static partial int Dup2(int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclose")]
    public static partial int FileActionsAddClose(void* fileActions, int fd);

    /// <summary>Puts a descriptor in non-blocking mode, so that a write to a full pipe fails instead of waiting.</summary>
    public static bool SetNonBlocking(int fd)
    {
        var flags = Fcntl(fd, FGetFl, 0);
        return flags >= 0 && Fcntl(fd, FSetFl, flags | ONonblock) == 0;
    }
}
