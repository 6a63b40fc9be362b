using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LiveFixtures.Platform;
using Microsoft.Win32.SafeHandles;
using Xunit;

namespace LiveFixtures.Watchdog;

/// <summary>
/// The host's side of the run's watchdog: a small companion process, started with the first spawn and detached from
/// the host's process tree, that learns of the host's death by end-of-file on a pipe and then stops what the host had
/// told it about. The host writes each generation to the pipe at its start (before the handle hands it out) and again
/// when it has ended; nothing is written per test.
/// </summary>
/// <remarks>Never throws to its callers: a watchdog that cannot start costs one warning, and tests go on.</remarks>
internal static class RunWatchdog
{
    /// <summary>The environment variable that switches the watchdog off: <c>0</c>, <c>off</c>, <c>false</c> or <c>no</c>.</summary>
    public const string Variable = "LIVEFIXTURES_WATCHDOG";

    /// <summary>How long the watchdog gives its run's processes after SIGTERM before it kills them: 300 ms.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(300);

    private static readonly Lock Gate = new();
    private static readonly ConcurrentDictionary<long, TaskCompletionSource> Syncs = new();
    private static readonly TaskCompletionSource<bool> ReadySource = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static bool _attempted;
    private static int _commands = -1;
    private static long _syncs;
    private static long _startedAt;
    private static string? _pendingWarning;
    private static Task<bool> _detached = Task.FromResult(true);

    /// <summary>Gets the watchdog's pid once it has said it is ready, else 0.</summary>
    public static int Pid { get; private set; }

    /// <summary>Gets the watchdog's start time in clock ticks since boot, once it is ready.</summary>
    public static ulong StartTicks { get; private set; }

    /// <summary>Gets what starting the watchdog cost the host (the spawn; the watchdog's own start-up runs beside it).</summary>
    public static TimeSpan StartCost { get; private set; }

    /// <summary>Gets how long after the start the watchdog said it was ready.</summary>
    public static TimeSpan ReadyAfter { get; private set; }

    /// <summary>Gets why there is no watchdog, when there is none.</summary>
    public static string? Problem { get; private set; }

    /// <summary>Gets the watchdog's log file, when it was started.</summary>
    public static string? LogFile { get; private set; }

    /// <summary>Completes with true when the watchdog is ready, false when it could not start.</summary>
    public static Task<bool> Ready => ReadySource.Task;

    /// <summary>Gets whether the environment leaves the watchdog on.</summary>
    public static bool IsEnabled => Environment.GetEnvironmentVariable(Variable)?.Trim().ToUpperInvariant() is not ("0" or "OFF" or "FALSE" or "NO");

    /// <summary>
    /// Starts the run's watchdog unless it was tried already: before the first generation, and before the test host
    /// becomes child subreaper (so that the detached watchdog is not handed back to the host).
    /// </summary>
    public static void EnsureStarted()
    {
        if (Volatile.Read(ref _attempted))
        {
            return;
        }

        lock (Gate)
        {
            if (_attempted)
            {
                return;
            }

            Start();
            Volatile.Write(ref _attempted, true);
        }
    }

    /// <summary>
    /// Waits (bounded) until the watchdog has left the host's tree (its intermediate shell has exited): before the host
    /// becomes child subreaper, which would otherwise be handed the watchdog back.
    /// </summary>
    public static void WaitUntilDetached(TimeSpan limit)
    {
        try
        {
            if (_detached.Wait(limit) && !_detached.Result)
            {
                Fail($"{Containment.CgroupBox.Shell} failed to start it");
            }
        }
        catch (AggregateException)
        {
            // Reported by the start itself.
        }
    }

    /// <summary>Tells the watchdog about a generation that has just started; synchronous and cheap (one write to a pipe, no fsync).</summary>
    public static void Started(WatchedGeneration generation)
    {
        EnsureStarted();
        Send(generation.ToLine());
        FlushWarning();
    }

    /// <summary>Tells the watchdog that a generation has ended and everything its containment held is gone.</summary>
    public static void Ended(string cookie) => Send($"E\t{cookie}\n");

    /// <summary>
    /// Asks the watchdog to look at the run's processes now and waits (bounded) for its answer: after a start in the
    /// process-group tier, so that a descendant that has already left the generation's tree is known to it.
    /// </summary>
    /// <remarks>Returns at once while the watchdog is still starting (the first start of a run does not wait for it): it
    /// looks as soon as it is up, while the host lives.</remarks>
    public static async Task SyncAsync(TimeSpan limit)
    {
        if (Volatile.Read(ref _commands) < 0 || !ReadySource.Task.IsCompleted)
        {
            return;
        }

        var id = Interlocked.Increment(ref _syncs);
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Syncs[id] = answer;
        try
        {
            Send(string.Create(CultureInfo.InvariantCulture, $"Y\t{id}\n"));
            await answer.Task.WaitAsync(limit, TimeProvider.System).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A watchdog still starting (or too slow): the periodic look covers the rest.
        }
        finally
        {
            Syncs.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Closes the host's end of the watchdog's pipe while the host lives on. The watchdog then waits for the host to
    /// exit before it acts: tests use it to show that it never acts while its host lives.
    /// </summary>
    public static void CloseCommandPipe()
    {
        var fd = Interlocked.Exchange(ref _commands, -1);
        if (fd >= 0)
        {
            LinuxNative.Close(fd);
        }
    }

    private static unsafe void Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            Problem = "the watchdog runs on Linux only";
            ReadySource.TrySetResult(false);
            return;
        }

        if (!IsEnabled)
        {
            Problem = $"switched off by {Variable}={Environment.GetEnvironmentVariable(Variable)}";
            ReadySource.TrySetResult(false);
            return;
        }

        _startedAt = Stopwatch.GetTimestamp();
        var fds = stackalloc int[4] { -1, -1, -1, -1 };
        var log = -1;
        try
        {
            var muxer = WatchdogLaunch.FindMuxer()
                ?? throw new WatchdogUnavailableException($"no 'dotnet' was found (not through DOTNET_HOST_PATH, the running runtime, DOTNET_ROOT or PATH). Make a .NET {Environment.Version.Major} 'dotnet' reachable through one of them");
            var library = typeof(RunWatchdog).Assembly.Location;
            if (library.Length == 0 || !File.Exists(library))
            {
                throw new WatchdogUnavailableException("LiveFixtures.dll is not a file on disk (a single-file app), so the watchdog cannot load it");
            }

            var launcher = WatchdogLaunch.ExtractLauncher();
            var recorder = RunRecorder.Current;
            LogFile = recorder.Store.WatchdogLog(recorder.RunId);
            if (LinuxNative.Pipe2(fds, LinuxNative.OCloexec) != 0 || LinuxNative.Pipe2(fds + 2, LinuxNative.OCloexec) != 0)
            {
                throw new WatchdogUnavailableException($"no pipe could be made (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }

            log = LinuxNative.Open(LogFile, LinuxNative.OWronly | LinuxNative.OCreat | LinuxNative.OAppend | LinuxNative.OCloexec, 0x180);
            if (log < 0)
            {
                throw new WatchdogUnavailableException($"its log {LogFile} could not be opened (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
            }

            var host = ProcessIdentity.Current;
            List<string> argv =
            [
                muxer, launcher, library,
                "--host", string.Create(CultureInfo.InvariantCulture, $"{host.Pid}:{host.StartTicks}"),
                "--run", recorder.RunId,
                "--store", recorder.Store.Root,
                "--grace-ms", ((int)Grace.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                "--log", LogFile,
            ];

            // fds: [0] commands read (watchdog), [1] commands write (host), [2] answers read (host), [3] answers write (watchdog).
            _detached = DetachedStart.Run(argv, WatchdogLaunch.ChildEnvironment(), fds[0], fds[3], log);
            LinuxNative.Close(fds[0]);
            LinuxNative.Close(fds[3]);
            fds[0] = fds[3] = -1;
            if (!LinuxNative.SetNonBlocking(fds[1]))
            {
                throw new WatchdogUnavailableException("its pipe could not be made non-blocking");
            }

            _commands = fds[1];
            var answers = fds[2];
            fds[1] = fds[2] = -1;
            new Thread(() => ReadAnswers(answers)) { IsBackground = true, Name = "LiveFixtures watchdog answers" }.UnsafeStart();
            StartCost = Stopwatch.GetElapsedTime(_startedAt);
        }
        catch (Exception e) when (e is WatchdogUnavailableException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Fail(e.Message);
        }
        finally
        {
            for (var i = 0; i < 4; i++)
            {
                if (fds[i] >= 0)
                {
                    LinuxNative.Close(fds[i]);
                }
            }

            if (log >= 0)
            {
                LinuxNative.Close(log);
            }
        }
    }

    private static void ReadAnswers(int fd)
    {
        using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 1);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(' ');
            if (fields is ["ready", var pid, var ticks])
            {
                Pid = int.Parse(pid, CultureInfo.InvariantCulture);
                StartTicks = ulong.Parse(ticks, CultureInfo.InvariantCulture);
                ReadyAfter = Stopwatch.GetElapsedTime(_startedAt);
                ReadySource.TrySetResult(true);
            }
            else if (fields is ["Y", var id] && Syncs.TryGetValue(long.Parse(id, CultureInfo.InvariantCulture), out var answer))
            {
                answer.TrySetResult();
            }
        }

        // End of file: the watchdog is gone while the host runs.
        var wasReady = ReadySource.Task.IsCompletedSuccessfully && ReadySource.Task.Result;
        Fail(wasReady
            ? $"the watchdog (pid {Pid}) ended while this test host still runs (its log: {LogFile})"
            : $"the watchdog exited before it was ready (its log: {LogFile})");
    }

    private static unsafe void Send(string line)
    {
        var fd = Volatile.Read(ref _commands);
        if (fd < 0)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(line);
        nint written;
        lock (Gate)
        {
            fixed (byte* data = bytes)
            {
                // One line is shorter than PIPE_BUF, so it is written whole or not at all.
                while ((written = LinuxNative.Write(fd, data, (nuint)bytes.Length)) < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == LinuxNative.Eintr)
                {
                }
            }
        }

        if (written != bytes.Length)
        {
            Fail(System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == LinuxNative.Eagain
                ? "the watchdog stopped reading its pipe"
                : "the watchdog's pipe is closed");
        }
    }

    private static void Fail(string cause)
    {
        var fd = Interlocked.Exchange(ref _commands, -1);
        if (fd >= 0)
        {
            LinuxNative.Close(fd);
        }

        if (Problem is not null)
        {
            return;
        }

        Problem = cause;
        ReadySource.TrySetResult(false);
        var message = $"LiveFixtures could not keep a watchdog for this test run: {cause}. Tests go on, but if this test host is killed, the processes it started are left for the next run's sweep (or 'livefixtures reap'). Set {Variable}=off to run without a watchdog and without this warning.";
        Trace.TraceWarning(message);
        _pendingWarning = message;
    }

    /// <summary>Shows a pending warning to the test that is starting a process now (once).</summary>
    private static void FlushWarning()
    {
        if (Interlocked.Exchange(ref _pendingWarning, null) is not { } message)
        {
            return;
        }

        try
        {
            TestContext.Current.AddWarning(message);
        }
        catch (InvalidOperationException)
        {
            // No test is running (a console host): the trace has it.
        }
    }
}
