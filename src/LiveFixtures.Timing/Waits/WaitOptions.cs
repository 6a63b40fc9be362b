namespace LiveFixtures.Timing;

/// <summary>Configures a <see cref="Wait"/>: how long it may take, how often it probes, on which clock, and what it watches.</summary>
public sealed class WaitOptions
{
    /// <summary>Gets or sets how long <c>EventuallyAsync</c> waits for its condition before it fails.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the delay after the first unsuccessful probe; later delays double (Polly exponential backoff) up to <see cref="MaxDelay"/>.</summary>
    /// <value>5 milliseconds.</value>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Gets or sets the longest delay between two probes.</summary>
    /// <value>100 milliseconds; on a clock other than <see cref="TimeProvider.System"/>, unless set, a hundredth of the wait's
    /// window when that is longer, so that a wait of 30 virtual minutes makes about a hundred probes, not eighteen thousand.</value>
    public TimeSpan MaxDelay
    {
        get => _maxDelay;
        set
        {
            _maxDelay = value;
            _maxDelaySet = true;
        }
    }

    private TimeSpan _maxDelay = TimeSpan.FromMilliseconds(100);
    private bool _maxDelaySet;

    /// <summary>Returns the longest delay between two probes for a wait whose window is <paramref name="span"/>.</summary>
    internal TimeSpan MaxDelayFor(TimeSpan span) =>
        _maxDelaySet || ReferenceEquals(TimeProvider, TimeProvider.System) || span == System.Threading.Timeout.InfiniteTimeSpan
            ? _maxDelay
            : TimeSpan.FromTicks(Math.Max(_maxDelay.Ticks, span.Ticks / 100));

    /// <summary>Gets or sets a value indicating whether the delays between probes are randomized (Polly's decorrelated jitter).</summary>
    /// <value><see langword="false"/>, so that runs on virtual time are reproducible.</value>
    public bool UseJitter { get; set; }

    /// <summary>Gets or sets the clock that times the wait and its delays.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the things whose death fails the wait at once, with the description of the death.</summary>
    /// <value>Empty.</value>
    public IReadOnlyList<IWatchable> Watch { get; set; } = [];

    /// <summary>Gets or sets how many of the latest observations a failure message shows.</summary>
    /// <value>5.</value>
    public int ObservationsShown { get; set; } = 5;

    /// <summary>Gets or sets what the wait is for, as a noun phrase that failure messages use ("the queue to drain").</summary>
    /// <value>"the condition".</value>
    public string Description { get; set; } = "the condition";

    /// <summary>Checks every option and reports all problems in one exception.</summary>
    internal void Validate()
    {
        var problems = new List<string>();
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            problems.Add($"Timeout must be positive or infinite, but is {Timeout}.");
        }

        if (FirstDelay <= TimeSpan.Zero || FirstDelay > TimeSpan.FromDays(1))
        {
            problems.Add($"FirstDelay must be positive and at most one day, but is {FirstDelay}.");
        }

        if (MaxDelay < FirstDelay)
        {
            problems.Add($"MaxDelay must be at least FirstDelay ({FirstDelay}), but is {MaxDelay}.");
        }

        if (TimeProvider is null)
        {
            problems.Add("TimeProvider must be set.");
        }

        if (Watch is null || Watch.Any(w => w is null))
        {
            problems.Add("Watch must be a list without null entries.");
        }

        if (ObservationsShown < 0)
        {
            problems.Add($"ObservationsShown must not be negative, but is {ObservationsShown}.");
        }

        if (string.IsNullOrWhiteSpace(Description))
        {
            problems.Add("Description must not be empty.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("The wait options are not valid: " + string.Join(" ", problems), "options");
        }
    }
}
