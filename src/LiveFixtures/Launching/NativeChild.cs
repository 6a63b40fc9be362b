using System.ComponentModel;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;
using LiveFixtures.Platform;
using Microsoft.Win32.SafeHandles;

namespace LiveFixtures.Launching;

/// <summary>
/// A child started with posix_spawn as the leader of a new session, held by a pidfd and reaped only by its own
/// watcher thread, so that its pid stays ours until the exit has been recorded and every signal reaches it or nothing.
/// </summary>
internal sealed unsafe class NativeChild : IDisposable
{
    private readonly Lock _reapLock = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _stdoutFd;
    private readonly int _stderrFd;
    private readonly int _stdinFd;
    private int _pidfd;
    private bool _reaped;
    private HashSet<string>? _pipeNames;

    private NativeChild(int pid, int pidfd, int stdin, int stdout, int stderr)
    {
        Pid = pid;
        _pidfd = pidfd;
        _stdinFd = stdin;
        _stdoutFd = stdout;
        _stderrFd = stderr;
        StandardInput = new AnonymousPipeClientStream(PipeDirection.Out, new SafePipeHandle(stdin, ownsHandle: true));
        StandardOutput = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(stdout, ownsHandle: true));
        StandardError = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(stderr, ownsHandle: true));
        if (pidfd >= 0)
        {
            ExitWatcher.Watch(pidfd, this);
        }
        else
        {
            var watcher = new Thread(WaitWithoutPidfd) { IsBackground = true, Name = $"LiveFixtures exit watcher {pid}" };
            watcher.UnsafeStart();
        }
    }

    /// <summary>Gets the process id; it stays the child's until <see cref="Exited"/> completes.</summary>
    public int Pid { get; }

    /// <summary>Gets whether the child is held by a pidfd (kernel 5.3 and later).</summary>
    public bool HasPidfd => _pidfd >= 0;

    public Stream StandardInput { get; }

    public Stream StandardOutput { get; }

    public Stream StandardError { get; }

    /// <summary>Completes with the exit code (128 + n for a death by signal n) the moment the child has exited and been reaped.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Gets whether bytes the child wrote still wait unread in its output pipes (false once they are closed).</summary>
    public bool OutputPending => Pending(StandardOutput, _stdoutFd) || Pending(StandardError, _stderrFd);

    /// <summary>
    /// Gets the names of the child's standard pipes as /proc shows them ("pipe:[inode]"): a process holding one of
    /// them got it from this child by inheritance, whatever its session or environment.
    /// </summary>
    public IReadOnlySet<string> PipeNames => _pipeNames ??= [.. new[] { _stdinFd, _stdoutFd, _stderrFd }
        .Select(fd => new FileInfo($"/proc/self/fd/{fd}").LinkTarget)
        .Where(t => t is not null && t.StartsWith("pipe:", StringComparison.Ordinal))
        .Cast<string>()];

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> (argv[0] included) and <paramref name="environment"/>
    /// in a new session, its standard streams on pipes, every signal at its default and none blocked.
    /// </summary>
    /// <exception cref="Win32Exception">The OS refused to start it.</exception>
    /// <exception cref="InvalidOperationException">A working directory was given where libc cannot change it in a spawn (see <see cref="LinuxNative.CanSpawnInDirectory"/>).</exception>
    public static NativeChild Start(string path, IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment, string? workingDirectory = null, bool newSession = true)
    {
        var native = new List<nint>();
        var fds = stackalloc int[6] { -1, -1, -1, -1, -1, -1 };
        var actions = NativeMemory.AllocZeroed(LinuxNative.SpawnStructSize);
        var attributes = NativeMemory.AllocZeroed(LinuxNative.SpawnStructSize);
        var sigset = NativeMemory.AllocZeroed(LinuxNative.SigsetSize);
        var actionsReady = false;
        var attributesReady = false;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                if (LinuxNative.Pipe2(fds + (2 * i), LinuxNative.OCloexec) != 0)
                {
                    throw new Win32Exception(Marshal.GetLastPInvokeError());
                }
            }

            // fds: [0] stdin read (child), [1] stdin write (us), [2] stdout read (us), [3] stdout write (child), [4]/[5] stderr.
            Check(LinuxNative.FileActionsInit(actions));
            actionsReady = true;
            Check(LinuxNative.FileActionsAddDup2(actions, fds[0], 0));
            Check(LinuxNative.FileActionsAddDup2(actions, fds[3], 1));
            Check(LinuxNative.FileActionsAddDup2(actions, fds[5], 2));
            if (workingDirectory is not null)
            {
                if (!LinuxNative.CanSpawnInDirectory)
                {
                    throw new InvalidOperationException("This libc cannot set the working directory of a spawned process; start it through the launch shim.");
                }

                Check(LinuxNative.FileActionsAddChdir(actions, Utf8(workingDirectory, native)));
            }

            Check(LinuxNative.AttrInit(attributes));
            attributesReady = true;

            // Signals the runtime ignores (SIGPIPE) or blocks would otherwise stay so in the child.
            _ = LinuxNative.SigFillSet(sigset);
            Check(LinuxNative.AttrSetSigDefault(attributes, sigset));
            _ = LinuxNative.SigEmptySet(sigset);
            Check(LinuxNative.AttrSetSigMask(attributes, sigset));
            Check(LinuxNative.AttrSetFlags(attributes, (short)((newSession ? LinuxNative.PSpawnSetSid : 0) | LinuxNative.PSpawnSetSigDef | LinuxNative.PSpawnSetSigMask)));

            var pathBytes = Utf8(path, native);
            var args = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Count + 1), (nuint)sizeof(nint));
            native.Add((nint)args);
            for (var i = 0; i < argv.Count; i++)
            {
                args[i] = Utf8(argv[i], native);
            }

            var env = environment.ToList();
            var envp = (byte**)NativeMemory.AllocZeroed((nuint)(env.Count + 1), (nuint)sizeof(nint));
            native.Add((nint)envp);
            for (var i = 0; i < env.Count; i++)
            {
                envp[i] = Utf8($"{env[i].Key}={env[i].Value}", native);
            }

            var error = LinuxNative.PosixSpawn(out var pid, pathBytes, actions, attributes, args, envp);
            if (error != 0)
            {
                throw new Win32Exception(error);
            }

            // The child is ours and unreaped (only our watcher reaps it), so the pid cannot name anyone else yet.
            var pidfd = LinuxNative.PidfdOpen(pid);
            LinuxNative.Close(fds[0]);
            LinuxNative.Close(fds[3]);
            LinuxNative.Close(fds[5]);
            var child = new NativeChild(pid, pidfd, fds[1], fds[2], fds[4]);
            fds[0] = fds[1] = fds[2] = fds[3] = fds[4] = fds[5] = -1;
            return child;
        }
        finally
        {
            for (var i = 0; i < 6; i++)
            {
                if (fds[i] >= 0)
                {
                    LinuxNative.Close(fds[i]);
                }
            }

            if (actionsReady)
            {
                _ = LinuxNative.FileActionsDestroy(actions);
            }

            if (attributesReady)
            {
                _ = LinuxNative.AttrDestroy(attributes);
            }

            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(sigset);
            foreach (var block in native)
            {
                NativeMemory.Free((void*)block);
            }
        }
    }

    /// <summary>Sends a signal to the child itself, unless it has been reaped (then its pid may be a stranger's): false when it did not reach it.</summary>
    public bool Signal(PosixSignalNumber signal)
    {
        lock (_reapLock)
        {
            if (_reaped)
            {
                return false;
            }

            return (_pidfd >= 0 ? LinuxNative.PidfdSendSignal(_pidfd, (int)signal) : LinuxNative.Kill(Pid, (int)signal)) == 0;
        }
    }

    /// <summary>Sends a signal to the process group the child leads, while the child is unreaped (so the group is still its own).</summary>
    public bool SignalGroup(PosixSignalNumber signal)
    {
        lock (_reapLock)
        {
            return !_reaped && LinuxNative.Kill(-Pid, (int)signal) == 0;
        }
    }

    /// <summary>Runs <paramref name="action"/> while the child cannot be reaped, telling it whether the child was reaped already.</summary>
    public T WhileUnreaped<T>(Func<bool, T> action)
    {
        lock (_reapLock)
        {
            return action(_reaped);
        }
    }

    public void Dispose()
    {
        StandardInput.Dispose();
        StandardOutput.Dispose();
        StandardError.Dispose();
        lock (_reapLock)
        {
            if (_reaped && _pidfd >= 0)
            {
                LinuxNative.Close(_pidfd);
                _pidfd = -1;
            }
        }
    }

    /// <summary>Reaps the child once it has exited (its pidfd became readable) and records the exit: on the watcher thread.</summary>
    internal void OnExited()
    {
        var info = stackalloc byte[LinuxNative.SiginfoSize];
        if (!Reap(info, LinuxNative.Wnohang))
        {
            // Not exited after all (the pidfd reported something else): never block the shared watcher on it.
            new Thread(WaitWithoutPidfd) { IsBackground = true, Name = $"LiveFixtures exit watcher {Pid}" }.UnsafeStart();
        }
    }

    private void WaitWithoutPidfd()
    {
        // Before kernel 5.3 (or when the pidfd could not be polled): wait without reaping, so the pid stays ours until the lock in Reap.
        var info = stackalloc byte[LinuxNative.SiginfoSize];
        while (LinuxNative.WaitId(LinuxNative.PPid, Pid, info, LinuxNative.Wexited | LinuxNative.Wnowait) < 0 && Marshal.GetLastPInvokeError() == LinuxNative.Eintr)
        {
        }

        Reap(info, 0);
    }

    /// <summary>Reaps the exited child and records its exit; false when, with WNOHANG, it had not exited yet.</summary>
    private bool Reap(byte* info, int options)
    {
        int exitCode;
        lock (_reapLock)
        {
            new Span<byte>(info, LinuxNative.SiginfoSize).Clear();
            int result;
            while ((result = LinuxNative.WaitId(LinuxNative.PPid, Pid, info, LinuxNative.Wexited | options)) < 0 && Marshal.GetLastPInvokeError() == LinuxNative.Eintr)
            {
            }

            if (result == 0 && LinuxNative.PidFrom(info) == 0)
            {
                return false;
            }

            // ECHILD: someone reaped it for us (a runtime told SIGCHLD was ignored reaps everything); the code is lost.
            exitCode = result == 0 ? LinuxNative.ExitCodeFrom(info) : -1;
            _reaped = true;
        }

        _exited.TrySetResult(exitCode);
        return true;
    }

    private static bool Pending(Stream stream, int fd)
    {
        // Hold the handle while asking, so that a concurrent Dispose cannot close the fd (and hand its number to another file).
        SafePipeHandle handle;
        try
        {
            if (stream is not PipeStream { SafePipeHandle: var held })
            {
                return false;
            }

            handle = held;
        }
        catch (ObjectDisposedException)
        {
            // Closed: nothing waits unread in it any more.
            return false;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return LinuxNative.BytesAvailable(fd) > 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static byte* Utf8(string text, List<nint> native)
    {
        var count = Encoding.UTF8.GetByteCount(text);
        var bytes = (byte*)NativeMemory.Alloc((nuint)count + 1);
        native.Add((nint)bytes);
        Encoding.UTF8.GetBytes(text, new Span<byte>(bytes, count));
        bytes[count] = 0;
        return bytes;
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new Win32Exception(error);
        }
    }
}
