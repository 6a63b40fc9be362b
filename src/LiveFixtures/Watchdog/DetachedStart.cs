using System.ComponentModel;
using System.Runtime.InteropServices;
using LiveFixtures.Platform;

namespace LiveFixtures.Watchdog;

/// <summary>
/// Starts a program outside the calling process's tree: posix_spawn of <c>/bin/sh</c> as the leader of a new session,
/// which starts the program in the background and exits at once, so that the program is re-parented away from the
/// caller (a double fork). The program's standard input, output and error are the descriptors given.
/// </summary>
internal static unsafe class DetachedStart
{
    /// <summary>
    /// The fixed script of the intermediate shell: keep standard input (a background job of a shell without job control
    /// would get /dev/null), start "$@" in the background with it, and exit.
    /// </summary>
    public const string Script = "exec 3<&0; \"$@\" <&3 3<&- & exit 0";

    /// <summary>
    /// Starts <paramref name="argv"/> detached. The intermediate shell holds the given descriptors from the moment this
    /// returns; the returned task completes when it has exited (and been reaped), that is when the program is no
    /// longer in the caller's tree: with false when the shell failed.
    /// </summary>
    /// <exception cref="Win32Exception">The OS refused to start the shell.</exception>
    public static Task<bool> Run(IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment, int stdin, int stdout, int stderr)
    {
        var native = new List<nint>();
        var actions = NativeMemory.AllocZeroed(LinuxNative.SpawnStructSize);
        var attributes = NativeMemory.AllocZeroed(LinuxNative.SpawnStructSize);
        var sigset = NativeMemory.AllocZeroed(LinuxNative.SigsetSize);
        try
        {
            Check(LinuxNative.FileActionsInit(actions));
            Check(LinuxNative.FileActionsAddDup2(actions, stdin, 0));
            Check(LinuxNative.FileActionsAddDup2(actions, stdout, 1));
            Check(LinuxNative.FileActionsAddDup2(actions, stderr, 2));
            Check(LinuxNative.AttrInit(attributes));
            _ = LinuxNative.SigFillSet(sigset);
            Check(LinuxNative.AttrSetSigDefault(attributes, sigset));
            _ = LinuxNative.SigEmptySet(sigset);
            Check(LinuxNative.AttrSetSigMask(attributes, sigset));
            Check(LinuxNative.AttrSetFlags(attributes, LinuxNative.PSpawnSetSid | LinuxNative.PSpawnSetSigDef | LinuxNative.PSpawnSetSigMask));

            List<string> all = ["sh", "-c", Script, "livefixtures-detach", .. argv];
            var args = Block(all, native);
            var envp = Block([.. environment.Select(e => $"{e.Key}={e.Value}")], native);
            var path = (byte*)Marshal.StringToCoTaskMemUTF8(Containment.CgroupBox.Shell);
            native.Add((nint)path);
            var error = LinuxNative.PosixSpawn(out var pid, path, actions, attributes, args, envp);
            if (error != 0)
            {
                throw new Win32Exception(error);
            }

            // The shell only forks and exits: reap it by its pid (never waitpid(-1), which would take the runtime's
            // children), beside the caller, which need not wait for it.
            var exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() => exited.TrySetResult(Reap(pid) == 0)) { IsBackground = true, Name = "LiveFixtures detached start" }.UnsafeStart();
            return exited.Task;
        }
        finally
        {
            _ = LinuxNative.FileActionsDestroy(actions);
            _ = LinuxNative.AttrDestroy(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(sigset);
            foreach (var block in native)
            {
                Marshal.FreeCoTaskMem(block);
            }
        }
    }

    private static int Reap(int pid)
    {
        var info = stackalloc byte[LinuxNative.SiginfoSize];
        while (LinuxNative.WaitId(LinuxNative.PPid, pid, info, LinuxNative.Wexited) < 0 && Marshal.GetLastPInvokeError() == LinuxNative.Eintr)
        {
        }

        return LinuxNative.ExitCodeFrom(info);
    }

    private static byte** Block(List<string> strings, List<nint> native)
    {
        var block = (byte**)Marshal.AllocCoTaskMem((strings.Count + 1) * sizeof(nint));
        native.Add((nint)block);
        for (var i = 0; i < strings.Count; i++)
        {
            block[i] = (byte*)Marshal.StringToCoTaskMemUTF8(strings[i]);
            native.Add((nint)block[i]);
        }

        block[strings.Count] = null;
        return block;
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new Win32Exception(error);
        }
    }
}
