using System.Runtime.InteropServices;

namespace LiveFixtures.Platform;

/// <summary>
/// The libc calls behind appends that must land whole at a file's end even with other writers (the record log, the
/// decision trace): <c>open</c> with <c>O_APPEND</c>, one <c>write</c> (more only when the kernel takes part of the
/// bytes), <c>fsync</c>, and the <c>flock</c> of a lock file. Linux only; errors come back as errno, for the caller
/// to turn into its own message (or to ignore).
/// </summary>
internal static unsafe partial class AppendFile
{
    private const int OWronly = 0x1;
    private const int ORdwr = 0x2;
    private const int OCreat = 0x40;
    private const int OAppend = 0x400;
    private const int OCloexec = 0x80000;
    private const int LockEx = 2;
    private const int OwnerReadWrite = 0b110_000_000; // 0600

    /// <summary>errno of a call interrupted by a signal.</summary>
    public const int Eintr = 4;

    /// <summary>errno of a path that does not exist.</summary>
    public const int Enoent = 2;

    /// <summary>Opens a file for appending (<c>O_APPEND</c>, close-on-exec), created owner-only when <paramref name="create"/>.</summary>
    /// <returns>The descriptor, or -1 with the errno in <paramref name="error"/>.</returns>
    public static int Open(string path, bool create, out int error)
    {
        var descriptor = Native.Open(path, OWronly | OAppend | OCloexec | (create ? OCreat : 0), OwnerReadWrite);
        error = descriptor < 0 ? Marshal.GetLastPInvokeError() : 0;
        return descriptor;
    }

    /// <summary>Writes all the bytes: one <c>write</c>, more only if the kernel takes part of them; retried on EINTR.</summary>
    /// <returns>0, or the errno of the write that failed (part of the bytes may have been written).</returns>
    public static int WriteAll(int descriptor, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* start = bytes)
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var written = Native.Write(descriptor, start + done, (nuint)(bytes.Length - done));
                if (written < 0)
                {
                    var error = Marshal.GetLastPInvokeError();
                    if (error == Eintr)
                    {
                        continue;
                    }

                    return error;
                }

                done += (int)written;
            }
        }

        return 0;
    }

    /// <summary>Flushes the file to disk.</summary>
    /// <returns>0 (an interrupted fsync counts as done), or the errno.</returns>
    public static int Fsync(int descriptor) =>
        Native.Fsync(descriptor) < 0 && Marshal.GetLastPInvokeError() is var error && error != Eintr ? error : 0;

    /// <summary>
    /// Opens (creating it owner-only) a lock file and takes its exclusive <c>flock</c>, blocking until it is free;
    /// closing the descriptor releases it.
    /// </summary>
    /// <returns>The descriptor holding the lock, or -1 with the errno and the call that failed.</returns>
    public static int Lock(string path, out int error, out string failed)
    {
        var descriptor = Native.Open(path, ORdwr | OCreat | OCloexec, OwnerReadWrite);
        if (descriptor < 0)
        {
            (error, failed) = (Marshal.GetLastPInvokeError(), "opened");
            return -1;
        }

        while (Native.Flock(descriptor, LockEx) < 0)
        {
            error = Marshal.GetLastPInvokeError();
            if (error != Eintr)
            {
                _ = Native.Close(descriptor);
                failed = "locked";
                return -1;
            }
        }

        (error, failed) = (0, "");
        return descriptor;
    }

    /// <summary>Closes a descriptor (releasing a lock it holds).</summary>
    public static void Close(int descriptor) => _ = Native.Close(descriptor);

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int Open(string path, int flags, int mode);

        [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
        public static partial nint Write(int fd, byte* buffer, nuint count);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
        public static partial int Flock(int fd, int operation);

        [LibraryImport("libc", EntryPoint = "close")]
        public static partial int Close(int fd);
    }
}
