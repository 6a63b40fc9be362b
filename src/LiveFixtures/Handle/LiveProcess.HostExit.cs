using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using LiveFixtures.Containment;
using LiveFixtures.Platform;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    private static readonly ConcurrentDictionary<LiveProcess, byte> Open = new();
    private static int _hooked;
    private static bool _hostEnding;
    private static List<PosixSignalRegistration>? _signals;

    /// <summary>Remembers a handle so that its processes are killed if the test host exits without stopping it.</summary>
    private static void TrackOpen(LiveProcess process)
    {
        Open[process] = 0;
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllOnHostExit("completed");
            if (OperatingSystem.IsLinux())
            {
                // .NET 10 raises no ProcessExit on SIGTERM. SIGTERM and SIGQUIT handlers run on a thread of their
                // own; SIGHUP's on the thread pool. SIGINT stays with the test platform, which cancels the run and
                // disposes the fixtures.
                _signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, OnHostSignal))];
            }
        }
    }

    /// <summary>
    /// Ends every generation the host owns when the host is told to terminate: SIGTERM to each, a short grace, then
    /// the kill of everything their containment holds, within about 2 s. The handler does not cancel the signal, so
    /// the runtime then ends the host as the signal would (exit code 128 + its number).
    /// </summary>
    private static void OnHostSignal(PosixSignalContext context)
    {
        RunContainment.EndingBecause = $"it was sent {context.Signal}";
        Volatile.Write(ref _hostEnding, true);
        var live = Open.Keys.Select(p => p._current).Where(s => s is { Termination: null }).Cast<SpawnedProcess>().ToList();
        foreach (var spawned in live)
        {
            // Before the SIGTERM: what leaves the tree when a parent exits on it is then still known as a member.
            spawned.Box.Observe();
            SignalRoot(spawned, PosixSignalNumber.SIGTERM);
        }

        Task.WaitAll([.. live.Select(s => s.Exited)], TimeSpan.FromSeconds(1));
        KillAllOnHostExit($"signal {context.Signal}");
    }

    private static void ForgetOpen(LiveProcess process) => Open.TryRemove(process, out _);

    /// <summary>
    /// Kills what every still-open handle started, when the host exits without disposing them (a fixture that
    /// was never disposed, a console host that returned early). A host killed with SIGKILL runs no handler;
    /// that case is left to the next run.
    /// </summary>
    /// <param name="how">How the run ends, for its record: "completed", "signal SIGTERM".</param>
    private static void KillAllOnHostExit(string how)
    {
        Volatile.Write(ref _hostEnding, true);
        foreach (var process in Open.Keys)
        {
            try
            {
                process.KillNow();
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // Best effort while the host goes down.
            }
        }

        if (RunContainment.IsChosen && OperatingSystem.IsLinux())
        {
            if (RunContainment.Current.Tier == ContainmentTier.ProcessGroup)
            {
                GroupBox.KillAdoptedOrphans(TimeSpan.FromSeconds(1));
            }

            RunContainment.Current.Cleanup();
        }

        EndRun(how);
    }

    private void KillNow()
    {
        var spawned = _current;
        if (spawned is null || spawned.Termination is not null || !OperatingSystem.IsLinux())
        {
            return;
        }

        spawned.Box.KillAllNow(TimeSpan.FromSeconds(1));
    }
}
