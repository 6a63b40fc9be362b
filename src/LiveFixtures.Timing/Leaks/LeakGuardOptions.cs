namespace LiveFixtures.Timing;

/// <summary>Configures a <see cref="LeakGuard"/>: what it checks and what it does about a leak.</summary>
public sealed class LeakGuardOptions
{
    /// <summary>Gets or sets what the guard does when it finds a leak.</summary>
    /// <value><see cref="LeakAction.Fail"/>.</value>
    public LeakAction OnLeak { get; set; } = LeakAction.Fail;

    /// <summary>Gets or sets a value indicating whether the guard looks for descendant processes started during its scope and still running at its end (Linux only; elsewhere this check is skipped).</summary>
    /// <value><see langword="true"/>.</value>
    public bool CheckProcesses { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the guard reports task exceptions that were never observed during its scope.</summary>
    /// <value><see langword="true"/>.</value>
    public bool CheckUnobservedTaskExceptions { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the guard runs a full garbage collection at its end, so that unobserved task exceptions surface before it checks.</summary>
    /// <value><see langword="true"/>.</value>
    public bool CollectGarbage { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the guard kills the leaked processes (with their descendants) after reporting them.</summary>
    /// <value><see langword="false"/>.</value>
    public bool KillLeakedProcesses { get; set; }

    /// <summary>Gets or sets how long <see cref="LeakGuard.DisposeAsync"/> lets processes that are exiting finish before it reports them; <see cref="LeakGuard.Dispose"/> does not wait.</summary>
    /// <value>500 milliseconds.</value>
    public TimeSpan ExitGrace { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the clock that times <see cref="ExitGrace"/>.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the virtual clock of the code under test: timers that its code armed on it during the guard's scope and that are still armed at the end are reported as background loops that outlived their owner.</summary>
    /// <value><see langword="null"/>: no clock is checked. A <c>FakeTimeProvider</c> cannot be checked, as it does not list its timers.</value>
    public VirtualTimeProvider? Clock { get; set; }

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(OnLeak))
        {
            problems.Add($"OnLeak must be Fail or Warn, but is {OnLeak}.");
        }

        if (ExitGrace < TimeSpan.Zero)
        {
            problems.Add($"ExitGrace must not be negative, but is {ExitGrace}.");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The leak guard options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
