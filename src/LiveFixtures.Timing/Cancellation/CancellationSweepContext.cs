namespace LiveFixtures.Timing;

/// <summary>
/// Gives one run of a <see cref="Cancellation.SweepAsync"/> its token and its virtual clock, and counts its steps:
/// every <see cref="Step"/> call and every timer armed on <see cref="Clock"/>.
/// </summary>
public sealed class CancellationSweepContext
{
    private readonly CancellationTokenSource _source;
    private readonly List<string> _labels = [];
    private readonly Lock _gate = new();
    private int _steps;
    private bool _cancelPending;

    internal CancellationSweepContext(VirtualTimeProvider clock, CancellationTokenSource source, int? cancelAtStep)
    {
        Clock = clock;
        _source = source;
        CancellationToken = source.Token;
        CancelAtStep = cancelAtStep;
        clock.TimerArmed += (timer, now) => Count($"{timer.Owner} armed, due in {Durations.Format(timer.DueTime - now)}", inline: false);
    }

    /// <summary>Gets the token the operation must observe; the sweep cancels it at the target step.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets the virtual clock the operation must use for its delays and timeouts; each timer armed on it is a step.</summary>
    public VirtualTimeProvider Clock { get; }

    /// <summary>Gets the step this run cancels at, from 1, or <see langword="null"/> in the run that counts the steps.</summary>
    public int? CancelAtStep { get; }

    /// <summary>Gets how many steps the run has taken so far.</summary>
    public int StepsTaken
    {
        get
        {
            lock (_gate)
            {
                return _steps;
            }
        }
    }

    internal IReadOnlyList<string> Labels
    {
        get
        {
            lock (_gate)
            {
                return [.. _labels];
            }
        }
    }

    /// <summary>Gets the virtual time at which the token was cancelled, or null while it is not.</summary>
    internal DateTimeOffset? CancelledAt { get; private set; }

    /// <summary>Gets a value indicating whether the target step was reached through a timer and the driver must cancel.</summary>
    internal bool CancelPending
    {
        get
        {
            lock (_gate)
            {
                return _cancelPending && CancelledAt is null;
            }
        }
    }

    /// <summary>Marks an await point of the operation; when it is the target step, cancels the token before returning.</summary>
    /// <param name="name">A name for the step in failure messages, such as "after the first page".</param>
    /// <remarks>Call it just before the awaits that a cancellation should interrupt, in the operation or in the test doubles it calls.</remarks>
    public void Step(string? name = null) => Count(name is null ? "Step() call" : $"'{name}'", inline: true);

    /// <summary>Cancels the token now, from the sweep's driver, once the operation has parked after the target step.</summary>
    internal async Task CancelFromDriverAsync()
    {
        CancelledAt = Clock.GetUtcNow();
        await _source.CancelAsync().ConfigureAwait(false);
    }

    private void Count(string label, bool inline)
    {
        bool cancelNow;
        lock (_gate)
        {
            _steps++;
            if (CancelAtStep is null)
            {
                _labels.Add(label);
            }

            var target = _steps == CancelAtStep;
            cancelNow = target && inline;
            _cancelPending |= target && !inline;
            if (cancelNow)
            {
                CancelledAt = Clock.GetUtcNow();
            }
        }

        if (cancelNow)
        {
            _source.Cancel();
        }
    }
}
