using System.Globalization;
using LiveFixtures.Testing;
using LiveFixtures.Watchdog;

namespace LiveFixtures.HostExit;

/// <summary>Prints "watchdog PID:TICKS parent PPID cost MS ready MS" (or "watchdog none CAUSE") once the run's watchdog is up.</summary>
internal static class WatchdogLine
{
    public static async Task PrintAsync()
    {
        if (!await RunWatchdog.Ready.WaitAsync(TimeSpan.FromSeconds(60)))
        {
            Console.WriteLine($"watchdog none {RunWatchdog.Problem}");
            return;
        }

        // The first starts of a run do not wait for the watchdog: let it look now, as a later start would.
        await RunWatchdog.SyncAsync(TimeSpan.FromSeconds(10));
        var pid = RunWatchdog.Pid;
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"watchdog {pid}:{OsProcess.StartTicks(pid)} parent {parent} cost {RunWatchdog.StartCost.TotalMilliseconds:0.0} ready {RunWatchdog.ReadyAfter.TotalMilliseconds:0}"));
    }
}
