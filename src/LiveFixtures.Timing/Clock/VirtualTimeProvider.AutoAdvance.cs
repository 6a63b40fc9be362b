namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    /// <summary>Gets how long, in real time, the code under test may wait with nothing armed on the clock before the clock notes that it waits on something else, most likely the real clock.</summary>
    internal static TimeSpan RealWaitNoteAfter { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits, in real time, until the code under test has armed at least a number of timers on this clock.</summary>
    /// <param name="count">How many timers must be armed (pending) at the same time.</param>
    /// <param name="cancellationToken">The token that stops the wait; defaults to the current test's token.</param>
    /// <returns>A task that completes as soon as <paramref name="count"/> timers are pending.</returns>
    /// <remarks>Use it to close the registration race: start the code under test, wait until it has armed its timers, then advance.</remarks>
    /// <exception cref="TimingAssertionException">Fewer timers were armed after <see cref="ArmTimeout"/> of real time.</exception>
    public async Task WaitForTimersAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        await WaitForTimersCoreAsync(count, hold: false, TestReport.Resolve(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Jumps virtual time from timer to timer, whenever nothing of the test is left to run, until a task completes.</summary>
    /// <param name="task">The task to drive to completion, typically the code under test started with this clock.</param>
    /// <param name="cancellationToken">The token that stops the driving; defaults to the current test's token.</param>
    /// <returns>A task that completes like <paramref name="task"/>, once it has completed.</returns>
    /// <remarks>Time does not move while code of the test runs, while a network request it sent is in flight, or while a
    /// <see cref="PeriodicTimer"/> tick waits for its consumer (each for up to <see cref="SettleTimeout"/>).</remarks>
    /// <exception cref="TimingAssertionException">More than <see cref="MaxSteps"/> timers of the code under test fired, or no timer was armed for <see cref="ArmTimeout"/> while the task still ran.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    public Task AutoAdvanceUntilAsync(Task task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var token = TestReport.Resolve(cancellationToken);
        if (ClockContext.OnPumpOf(this) is { } context)
        {
            try
            {
                AutoAdvanceCore(context, task, token);
            }
            catch (Exception e)
            {
                return Task.FromException(e);
            }

            return task;
        }

        return AutoAdvanceTrackedAsync(task, token);
    }

    /// <summary>Jumps virtual time from timer to timer, whenever nothing of the test is left to run, until a task completes, and returns its result.</summary>
    /// <typeparam name="T">The type of the task's result.</typeparam>
    /// <param name="task">The task to drive to completion, typically the code under test started with this clock.</param>
    /// <param name="cancellationToken">The token that stops the driving; defaults to the current test's token.</param>
    /// <returns>The result of <paramref name="task"/>.</returns>
    /// <exception cref="TimingAssertionException">More than <see cref="MaxSteps"/> timers of the code under test fired, or no timer was armed for <see cref="ArmTimeout"/> while the task still ran.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    public async Task<T> AutoAdvanceUntilAsync<T>(Task<T> task, CancellationToken cancellationToken = default)
    {
        await AutoAdvanceUntilAsync((Task)task, cancellationToken).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>Waits in real time until the task completes or a timer changes; fails after <see cref="ArmTimeout"/>.</summary>
    internal Task WaitForTaskOrTimerAsync(Task task, string what, CancellationToken cancellationToken) =>
        NextDueTicks() is not null ? Task.CompletedTask : ClockThreads.RunAsync(() => WaitForTaskOrTimer(null, task, what, cancellationToken));

    internal TimingAssertionException Runaway(Dictionary<string, int> owners, string state)
    {
        var top = string.Join(", ", owners.OrderByDescending(o => o.Value).Take(3).Select(o => $"{o.Key} ({o.Value:N0} firings)"));
        return new TimingAssertionException(
            $"Auto-advance stopped after {_maxSteps:N0} timer firings of the code under test at virtual time {Durations.Format(GetUtcNow())} " +
            $"({Durations.Offset(GetUtcNow() - Start)} from the start), and {state}. The timers that fired most were {top}: " +
            "a loop that re-arms a timer forever keeps virtual time running. Make the loop end (or cancel it), or raise " +
            $"VirtualTimeProvider.MaxSteps if it really needs more than {_maxSteps:N0} firings.");
    }

    private static string Listing(IReadOnlyList<PendingTimer> pending) =>
        pending.Count == 0 ? string.Empty : ": " + string.Join("; ", pending.Take(10));

    private async Task AutoAdvanceTrackedAsync(Task task, CancellationToken token)
    {
        await ClockThreads.RunAsync(() => AutoAdvanceCore(null, task, token)).ConfigureAwait(false);
        await task.ConfigureAwait(false);
    }

    /// <summary>Fires timer after timer, settling before each, until the task completes; runs on the scope's thread or on a clock thread.</summary>
    private void AutoAdvanceCore(ClockContext? context, Task task, CancellationToken token)
    {
        var errors = new List<Exception>();
        EnterAdvance();
        try
        {
            var steps = new StepCount(this);
            while (true)
            {
                Settle(context, token);
                if (task.IsCompleted)
                {
                    break;
                }

                if (NextDueTicks() is null)
                {
                    WaitForTaskOrTimer(context, task, "the task", token);
                    continue;
                }

                if (FireNextOrMoveTo(long.MaxValue, errors, moveWhenIdle: false, respectHolds: true, out var held) is { } firing)
                {
                    steps.Count(firing);
                }
                else if (held)
                {
                    WaitWhileHeld(context, token);
                }
            }
        }
        finally
        {
            ExitAdvance();
        }

        ThrowIfCallbacksFailed(errors);
    }

    /// <summary>Blocks until the task completes or a timer changes; fails after <see cref="ArmTimeout"/>, and notes a long wait on something outside the clock.</summary>
    private void WaitForTaskOrTimer(ClockContext? context, Task task, string what, CancellationToken token)
    {
        var started = TimeProvider.System.GetTimestamp();
        var idle = BusyWith() is null;
        while (true)
        {
            var changed = WhenChanged(); // Taken before the check, so that a timer armed right after it still wakes the wait.
            if (task.IsCompleted || NextDueTicks() is not null)
            {
                break;
            }

            var remaining = _armTimeout - TimeProvider.System.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw NothingArmed(what);
            }

            WaitFor(context, task, changed, remaining, token);
        }

        NoteRealWait(what, started, idle);
    }

    private TimingAssertionException NothingArmed(string what) => new(
        $"Auto-advance waited {Durations.Format(_armTimeout)} of real time, but {what} neither completed nor armed a timer on the virtual clock " +
        $"(virtual time {Durations.Format(GetUtcNow())}). It waits for something other than virtual time: real I/O, a lock, a " +
        "TaskCompletionSource nobody completes, or a timer on another TimeProvider (the real clock). Give the code under test this VirtualTimeProvider, " +
        "or complete what it waits for; raise ArmTimeout if the real work needs longer.");

    /// <summary>Notes a wait in real time, with nothing armed and nothing of the test running, that lasted long enough to be the real clock.</summary>
    private void NoteRealWait(string what, long started, bool idle)
    {
        var waited = TimeProvider.System.GetElapsedTime(started);
        if (!idle || waited < RealWaitNoteAfter || _flow.IoInFlight > 0)
        {
            return;
        }

        AddNote(
            $"{what} waited {Durations.Format(waited)} of real time with no timer armed on the virtual clock, no network request in flight and none of its code running, " +
            "then went on: it waits on something outside the virtual clock, most likely the real clock (Task.Delay, CancelAfter, WaitAsync or a timer without this TimeProvider). " +
            "Pass the VirtualTimeProvider to that wait, or the test pays it in real time");
    }

    /// <summary>Counts the firings of the code under test's timers (not the library's own) against <see cref="MaxSteps"/>.</summary>
    private sealed class StepCount(VirtualTimeProvider clock)
    {
        private readonly Dictionary<string, int> _owners = new(StringComparer.Ordinal);
        private int _steps;

        public void Count(Firing firing)
        {
            if (firing.Timer.IsLibraryOwned)
            {
                return;
            }

            _owners[firing.Timer.Owner] = _owners.GetValueOrDefault(firing.Timer.Owner) + 1;
            if (++_steps > clock._maxSteps)
            {
                throw clock.Runaway(_owners, "the task has not completed");
            }
        }
    }
}
