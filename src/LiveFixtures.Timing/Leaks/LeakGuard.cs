using System.Diagnostics;
using System.Globalization;
using System.Text;

using LiveFixtures.Platform;

namespace LiveFixtures.Timing;

/// <summary>
/// Guards a test against leaks: processes it started that are still running at its end, and task exceptions
/// that nobody observed. Dispose it at the end of the test (<c>await using var guard = LeakGuard.Start();</c>).
/// </summary>
/// <remarks>
/// <para>Processes are the descendants of the test process (read from /proc on Linux, identified by pid and
/// start time) that did not exist when the guard started. Unobserved task exceptions come from
/// <see cref="TaskScheduler.UnobservedTaskException"/>, which fires when a faulted task is garbage collected,
/// so the guard collects garbage at its end.</para>
/// <para>Both checks see the whole test process: tests running in parallel that start processes or leak task
/// exceptions are reported too. Use the guard in a collection that does not run in parallel with others.</para>
/// </remarks>
public sealed class LeakGuard : IDisposable, IAsyncDisposable
{
    private readonly LeakGuardOptions _options;
    private readonly HashSet<(int Pid, ulong StartTicks)> _before;
    private readonly List<AggregateException> _unobserved = [];
    private readonly long _firstTimerId;
    private int _ended;

    private LeakGuard(LeakGuardOptions options)
    {
        _options = options;
        _firstTimerId = options.Clock?.NextTimerId ?? 0;
        _before = options.CheckProcesses
            ? [.. ProcessTables.Descendants(ProcessTables.Current, Environment.ProcessId).Select(e => (e.Pid, e.StartTicks))]
            : [];
        if (options.CheckUnobservedTaskExceptions)
        {
            if (options.CollectGarbage)
            {
                Collect();
            }

            TaskScheduler.UnobservedTaskException += OnUnobserved;
        }
    }

    /// <summary>Starts guarding: snapshots the running descendant processes and starts listening for unobserved task exceptions.</summary>
    /// <param name="options">What to check and what to do about a leak; defaults to <see cref="LeakGuardOptions"/>'s defaults.</param>
    /// <returns>The guard, which checks when it is disposed.</returns>
    public static LeakGuard Start(LeakGuardOptions? options = null)
    {
        options ??= new LeakGuardOptions();
        options.Validate();
        return new LeakGuard(options);
    }

    /// <summary>Stops guarding and checks at once, without letting exiting processes finish.</summary>
    /// <exception cref="TimingAssertionException">A leak was found and <see cref="LeakGuardOptions.OnLeak"/> is <see cref="LeakAction.Fail"/>.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            Report(Stop(), Leaked(), StillArmed());
        }
    }

    /// <summary>Stops guarding and checks, first giving exiting processes up to <see cref="LeakGuardOptions.ExitGrace"/> to finish.</summary>
    /// <returns>A task that completes when the check has passed or warned.</returns>
    /// <exception cref="TimingAssertionException">A leak was found and <see cref="LeakGuardOptions.OnLeak"/> is <see cref="LeakAction.Fail"/>.</exception>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        var unobserved = Stop();
        var clock = _options.TimeProvider;
        var started = clock.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(5);
        var leaked = Leaked();
        var armed = StillArmed();
        while ((leaked.Count > 0 || armed.Count > 0) && clock.GetElapsedTime(started) < _options.ExitGrace)
        {
            await Task.Delay(pause, clock).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(50).Ticks));
            leaked = Leaked();
            armed = StillArmed();
        }

        Report(unobserved, leaked, armed);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        lock (_unobserved)
        {
            _unobserved.Add(e.Exception);
        }
    }

    private List<AggregateException> Stop()
    {
        if (!_options.CheckUnobservedTaskExceptions)
        {
            return [];
        }

        if (_options.CollectGarbage)
        {
            Collect();
        }

        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        lock (_unobserved)
        {
            return [.. _unobserved];
        }
    }

    private List<OsProcessInfo> Leaked() =>
        _options.CheckProcesses
            ? [.. ProcessTables.Descendants(ProcessTables.Current, Environment.ProcessId).Where(e => !_before.Contains((e.Pid, e.StartTicks)))]
            : [];

    /// <summary>Lists the timers of the code under test armed on the clock during the scope and still armed.</summary>
    private List<PendingTimer> StillArmed() =>
        _options.Clock is { } clock ? [.. clock.GetPendingTimers(includeLibraryTimers: false).Where(t => t.Id >= _firstTimerId)] : [];

    private void Report(List<AggregateException> unobserved, List<OsProcessInfo> leaked, List<PendingTimer> armed)
    {
        if (unobserved.Count == 0 && leaked.Count == 0 && armed.Count == 0)
        {
            return;
        }

        var message = new StringBuilder("LeakGuard found leaks at the end of the test:");
        if (leaked.Count > 0)
        {
            message.AppendLine().Append(CultureInfo.InvariantCulture, $"  {leaked.Count} process(es) started during it are still running:");
            foreach (var process in leaked)
            {
                message.AppendLine().Append(CultureInfo.InvariantCulture, $"    pid {process.Pid} (child of pid {process.ParentPid}): {(process.CommandLine.Length == 0 ? "(no command line)" : Durations.Truncate(process.CommandLine, 200))}");
            }

            if (_options.KillLeakedProcesses)
            {
                message.AppendLine().Append("  LeakGuard killed them (KillLeakedProcesses).");
                Kill(leaked);
            }
        }

        if (armed.Count > 0)
        {
            message.AppendLine().Append(CultureInfo.InvariantCulture, $"  {armed.Count} timer(s) armed on the virtual clock during it are still armed, so the loops or waits that armed them outlived the test:");
            foreach (var timer in armed)
            {
                message.AppendLine().Append("    ").Append(timer);
            }

            message.AppendLine().Append("  A background loop whose timer is still armed was not stopped: cancel it and await it in DisposeAsync (or StopAsync), and dispose its PeriodicTimer.");
        }

        if (unobserved.Count > 0)
        {
            message.AppendLine().Append(CultureInfo.InvariantCulture, $"  {unobserved.Count} task exception(s) were never observed:");
            foreach (var error in unobserved)
            {
                var inner = error.InnerExceptions.Count == 1 ? error.InnerExceptions[0] : error;
                message.AppendLine().Append("    ").Append(Durations.Describe(inner));
            }
        }

        message.AppendLine().Append("Kill the processes a test starts (in a finally block or a fixture's DisposeAsync), and await or observe every task it starts.");
        var text = message.ToString();
        TestReport.Attach("LeakGuard.txt", text);
        if (_options.OnLeak == LeakAction.Fail)
        {
            throw new TimingAssertionException(text, unobserved.Count > 0 ? unobserved[0] : null);
        }

        if (!TestReport.Warn(text))
        {
            Console.Error.WriteLine(text);
        }
    }

    private static void Kill(List<OsProcessInfo> leaked)
    {
        foreach (var entry in leaked)
        {
            if (ProcessTables.Current.TryGet(entry.Pid) is not { } now || now.StartTicks != entry.StartTicks)
            {
                continue;
            }

            try
            {
                using var process = Process.GetProcessById(entry.Pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // It exited meanwhile, or cannot be killed by us: it was reported either way.
            }
        }
    }
}
