using System.Runtime.InteropServices;
using LiveFixtures.Platform;

namespace LiveFixtures.Launching;

/// <summary>
/// One dedicated thread that polls the pidfds of every running generation and reaps each the moment it exits: the
/// exit is seen without the thread pool and without waiting for the output pipes, for the cost of no thread per start.
/// </summary>
internal static unsafe class ExitWatcher
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, NativeChild> Watched = [];
    private static int _wake = -1;

    /// <summary>Starts watching <paramref name="pidfd"/>; <see cref="NativeChild.OnExited"/> runs on the watcher thread when it becomes readable.</summary>
    public static void Watch(int pidfd, NativeChild child)
    {
        lock (Gate)
        {
            Watched[pidfd] = child;
            if (_wake < 0)
            {
                _wake = LinuxNative.EventFd(0, LinuxNative.OCloexec);
                new Thread(Run) { IsBackground = true, Name = "LiveFixtures exit watcher" }.UnsafeStart();
            }
        }

        ulong one = 1;
        _ = LinuxNative.Write(_wake, &one, sizeof(ulong));
    }

    private static void Run()
    {
        var fds = new LinuxNative.PollFd[16];
        var children = new NativeChild[16];
        while (true)
        {
            int count;
            lock (Gate)
            {
                count = Watched.Count + 1;
                if (fds.Length < count)
                {
                    fds = new LinuxNative.PollFd[count * 2];
                    children = new NativeChild[count * 2];
                }

                fds[0] = new LinuxNative.PollFd { Fd = _wake, Events = LinuxNative.PollIn };
                var i = 1;
                foreach (var (pidfd, child) in Watched)
                {
                    fds[i] = new LinuxNative.PollFd { Fd = pidfd, Events = LinuxNative.PollIn };
                    children[i++] = child;
                }
            }

            int ready;
            fixed (LinuxNative.PollFd* poll = fds)
            {
                ready = LinuxNative.Poll(poll, (nuint)count, -1);
            }

            if (ready < 0)
            {
                continue; // EINTR
            }

            if (fds[0].Revents != 0)
            {
                ulong value;
                _ = LinuxNative.Read(_wake, &value, sizeof(ulong));
            }

            for (var i = 1; i < count; i++)
            {
                // POLLIN: exited. Anything else (POLLNVAL, POLLERR) is handed to OnExited too, which never blocks.
                if (fds[i].Revents != 0)
                {
                    lock (Gate)
                    {
                        Watched.Remove(fds[i].Fd);
                    }

                    children[i].OnExited();
                    children[i] = null!;
                }
            }
        }
    }
}
