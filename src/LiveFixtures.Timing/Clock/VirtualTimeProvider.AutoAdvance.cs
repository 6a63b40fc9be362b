namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
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

    /// <summary>Jumps virtual time from timer to timer, whenever nothing else is runnable, until a task completes.</summary>
    /// <param name="task">The task to drive to completion, typically the code under test started with this clock.</param>
    /// <param name="cancellationToken">The token that stops the driving; defaults to the current test's token.</param>
    /// <returns>A task that completes like <paramref name="task"/>, once it has completed.</returns>
    /// <exception cref="TimingAssertionException">More than <see cref="MaxSteps"/> timers fired, or no timer was armed for <see cref="ArmTimeout"/> while the task still ran.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    public async Task AutoAdvanceUntilAsync(Task task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var token = TestReport.Resolve(cancellationToken);
        var errors = new List<Exception>();
        EnterAdvance();
        try
        {
            var budget = new SettleBudget();
            var steps = 0;
            var owners = new Dictionary<string, int>(StringComparer.Ordinal);
            while (true)
            {
                await SettleAsync(budget, token).ConfigureAwait(false);
                if (task.IsCompleted)
                {
                    break;
                }

                if (NextDueTicks() is null)
                {
                    await WaitForTaskOrTimerAsync(task, "the task", token).ConfigureAwait(false);
                    continue;
                }

                if (++steps > _maxSteps)
                {
                    throw Runaway(owners, "the task has not completed");
                }

                if (FireNextOrMoveTo(long.MaxValue, errors, moveWhenIdle: false, respectHolds: true, out var held) is { } firing)
                {
                    owners[firing.Timer.Owner] = owners.GetValueOrDefault(firing.Timer.Owner) + 1;
                }
                else if (held)
                {
                    steps--;
                    await WhileHeldAsync(token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ExitAdvance();
        }

        ThrowIfCallbacksFailed(errors);
        await task.ConfigureAwait(false);
    }

    /// <summary>Jumps virtual time from timer to timer, whenever nothing else is runnable, until a task completes, and returns its result.</summary>
    /// <typeparam name="T">The type of the task's result.</typeparam>
    /// <param name="task">The task to drive to completion, typically the code under test started with this clock.</param>
    /// <param name="cancellationToken">The token that stops the driving; defaults to the current test's token.</param>
    /// <returns>The result of <paramref name="task"/>.</returns>
    /// <exception cref="TimingAssertionException">More than <see cref="MaxSteps"/> timers fired, or no timer was armed for <see cref="ArmTimeout"/> while the task still ran.</exception>
    /// <exception cref="AggregateException">One or more timer callbacks threw; every due timer still fired.</exception>
    public async Task<T> AutoAdvanceUntilAsync<T>(Task<T> task, CancellationToken cancellationToken = default)
    {
        await AutoAdvanceUntilAsync((Task)task, cancellationToken).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>Waits in real time until the task completes or a timer changes; fails after <see cref="ArmTimeout"/>.</summary>
    internal async Task WaitForTaskOrTimerAsync(Task task, string what, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            if (_armed.Count > 0)
            {
                return;
            }

            changed = _changed.Task;
        }

        try
        {
            await Task.WhenAny(task, changed).WaitAsync(_armTimeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimingAssertionException(
                $"Auto-advance waited {Durations.Format(_armTimeout)} of real time, but {what} neither completed nor armed a timer on the virtual clock " +
                $"(virtual time {Durations.Format(GetUtcNow())}). It waits for something other than virtual time: real I/O, a lock, a " +
                "TaskCompletionSource nobody completes, or a timer on another TimeProvider. Give the code under test this VirtualTimeProvider, " +
                "or complete what it waits for; raise ArmTimeout if the real work needs longer.");
        }
    }

    internal TimingAssertionException Runaway(Dictionary<string, int> owners, string state)
    {
        var top = string.Join(", ", owners.OrderByDescending(o => o.Value).Take(3).Select(o => $"{o.Key} ({o.Value:N0} firings)"));
        return new TimingAssertionException(
            $"Auto-advance stopped after {_maxSteps:N0} timer firings at virtual time {Durations.Format(GetUtcNow())} " +
            $"({Durations.Offset(GetUtcNow() - Start)} from the start), and {state}. The timers that fired most were {top}: " +
            "a loop that re-arms a timer forever keeps virtual time running. Make the loop end (or cancel it), or raise " +
            $"VirtualTimeProvider.MaxSteps if it really needs more than {_maxSteps:N0} firings.");
    }

    private static string Listing(IReadOnlyList<PendingTimer> pending) =>
        pending.Count == 0 ? string.Empty : ": " + string.Join("; ", pending.Take(10));
}
