using System.Runtime.InteropServices;

namespace LiveFixtures.Platform;

/// <summary>The Linux system calls behind spawning, pidfds, reaping and containment (glibc and musl alike).</summary>
internal static unsafe partial class LinuxNative
{
    public const int Eintr = 4;
    public const int Esrch = 3;
    public const int Eperm = 1;
    public const int Echild = 10;
    public const int Enosys = 38;
    public const int Eagain = 11;
    public const int OCloexec = 0x80000;
    public const int PollIn = 0x001;
    public const int PSpawnSetSigDef = 0x04;
    public const int PSpawnSetSigMask = 0x08;
    public const int PSpawnSetSid = 0x80;
    public const int PrSetChildSubreaper = 36;
    public const int PrGetChildSubreaper = 37;
    public const int Wexited = 4;
    public const int Wnohang = 1;
    public const int Wnowait = 0x01000000;
    public const int PPid = 1;
    public const int PPidfd = 3;
    public const int CldExited = 1;
    public const int Fionread = 0x541B;

    /// <summary>Bytes reserved for posix_spawn_file_actions_t and posix_spawnattr_t (80 and 336 on glibc and musl, 64-bit).</summary>
    public const int SpawnStructSize = 1024;

    /// <summary>Bytes of a sigset_t as libc sees it (1024 bits).</summary>
    public const int SigsetSize = 128;

    /// <summary>Bytes of a siginfo_t.</summary>
    public const int SiginfoSize = 128;

    private static readonly delegate* unmanaged<void*, byte*, int> AddChdir = FindAddChdir();

    private static readonly long PidfdOpenNumber = 434;
    private static readonly long PidfdSendSignalNumber = 424;

    [LibraryImport("libc", EntryPoint = "posix_spawn", SetLastError = true)]
    public static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* fileActions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    public static partial int AttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    public static partial int AttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    public static partial int AttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int AttrSetSigDefault(void* attributes, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int AttrSetSigMask(void* attributes, void* sigset);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    public static partial int SigFillSet(void* sigset);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    public static partial int SigEmptySet(void* sigset);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    public static partial int WaitId(int idType, int id, byte* siginfo, int options);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, int* value);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall3(long number, long a, long b, long c);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, long a, long b, long c, long d);

    /// <summary>Gets whether posix_spawn can change the child's working directory (glibc 2.29, musl 1.1.24 and later).</summary>
    public static bool CanSpawnInDirectory => AddChdir != null;

    /// <summary>Adds a change of working directory to the spawn's file actions; see <see cref="CanSpawnInDirectory"/>.</summary>
    public static int FileActionsAddChdir(void* fileActions, byte* path) => AddChdir(fileActions, path);

    /// <summary>Opens a pidfd for <paramref name="pid"/>: -1 with errno ENOSYS on kernels before 5.3.</summary>
    public static int PidfdOpen(int pid) => (int)Syscall3(PidfdOpenNumber, pid, 0, 0);

    /// <summary>Sends a signal through a pidfd: never reaches a process that reused the pid.</summary>
    public static int PidfdSendSignal(int pidfd, int signal) => (int)Syscall4(PidfdSendSignalNumber, pidfd, signal, 0, 0);

    /// <summary>Reads how many bytes wait unread in a pipe.</summary>
    public static int BytesAvailable(int fd)
    {
        int value = 0;
        return Ioctl(fd, Fionread, &value) == 0 ? value : 0;
    }

    /// <summary>Reads the exit code out of a waitid siginfo the way .NET reports it: the status, or 128 + the signal.</summary>
    public static int ExitCodeFrom(byte* siginfo)
    {
        var code = *(int*)(siginfo + 8);
        var status = *(int*)(siginfo + 24);
        return code == CldExited ? status : 128 + status;
    }

    /// <summary>Reads the pid out of a waitid siginfo (0 when no child was ready).</summary>
    public static int PidFrom(byte* siginfo) => *(int*)(siginfo + 16);

    private static delegate* unmanaged<void*, byte*, int> FindAddChdir()
    {
        foreach (var name in new[] { "libc.so.6", "libc" })
        {
            if (NativeLibrary.TryLoad(name, typeof(LinuxNative).Assembly, null, out var libc)
                && NativeLibrary.TryGetExport(libc, "posix_spawn_file_actions_addchdir_np", out var export))
            {
                return (delegate* unmanaged<void*, byte*, int>)export;
            }
        }

        return null;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
