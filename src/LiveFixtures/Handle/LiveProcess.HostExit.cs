using System.Collections.Concurrent;
using LiveFixtures.Platform;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    private static readonly ConcurrentDictionary<LiveProcess, byte> Open = new();
    private static int _hooked;

    /// <summary>Remembers a handle so that its processes are killed if the test host exits without stopping it.</summary>
    private static void TrackOpen(LiveProcess process)
    {
        Open[process] = 0;
        if (Interlocked.Exchange(ref _hooked, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllOnHostExit();
        }
    }

    private static void ForgetOpen(LiveProcess process) => Open.TryRemove(process, out _);

    /// <summary>
    /// Kills what every still-open handle started, when the host exits without disposing them (a fixture that
    /// was never disposed, a console host that returned early). A host killed with SIGKILL runs no handler;
    /// that case is left to the next run.
    /// </summary>
    private static void KillAllOnHostExit()
    {
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
    }

    private void KillNow()
    {
        var spawned = _current;
        if (spawned is null || spawned.Termination is not null)
        {
            return;
        }

        var family = FindFamily(spawned);
        KillRoot(spawned);
        foreach (var member in family)
        {
            if (_table.TryGet(member.Pid) is { } now && now.StartTicks == member.StartTicks)
            {
                _table.Signal(member.Pid, PosixSignalNumber.SIGKILL);
            }
        }
    }
}
