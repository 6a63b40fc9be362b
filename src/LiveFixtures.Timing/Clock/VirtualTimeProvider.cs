namespace LiveFixtures.Timing;

/// <summary>
/// Provides virtual time for tests: time moves only when the test advances it, and timers fire in order
/// of due time, on the thread that advances.
/// </summary>
/// <remarks>
/// <para>Reading the time (<see cref="GetUtcNow"/>, <see cref="GetTimestamp"/>) never fires a timer.</para>
/// <para><see cref="Advance"/> and <see cref="AdvanceTo"/> fire the due timers one by one in order of due
/// time (ties: creation order), moving the clock to each timer's due time before its callback runs. A
/// periodic timer that is several periods behind fires once per period. A timer due now fires at the next
/// advance, even <c>Advance(TimeSpan.Zero)</c>.</para>
/// <para><see cref="AdvanceAsync"/> does the same, but fires the next timer only when nothing of the test is left to
/// run, so a timer armed by work that a firing started still fires within the same advance.
/// <see cref="AutoAdvanceUntilAsync(Task, CancellationToken)"/> jumps to the next timer on the same condition, until a task
/// completes. Where the clock knows that condition and where it tracks it: inside <see cref="RunAsync"/>, for code that
/// stays on the scope's context, an empty queue is the whole truth; elsewhere the clock counts the threads running code
/// of the flow it was created in, the HTTP requests of that code in flight, and the <see cref="PeriodicTimer"/> ticks
/// not yet consumed, each for up to <see cref="SettleTimeout"/>. What it notices about code that leaves both is in
/// <see cref="Notes"/>.</para>
/// <para>A callback that throws does not stop the advance: every due timer still fires, and the advance
/// then throws an <see cref="AggregateException"/> holding the callbacks' exceptions.</para>
/// </remarks>
public sealed partial class VirtualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<VirtualTimer> _armed = [];
    private long _nowTicks;
    private long _nextTimerId;
    private long _timersArmed;
    private long _version;
    private int _advancing;
    private long _advances;
    private long _lastAdvanceEnded;
    private int _maxSteps = 10_000;
    private TimeSpan _settleTimeout = TimeSpan.FromSeconds(2);
    private TimeSpan _stallTimeout = TimeSpan.FromSeconds(2);
    private TimeSpan _armTimeout = TimeSpan.FromSeconds(10);
    private TimeZoneInfo _localTimeZone = TimeZoneInfo.Utc;
    private TaskCompletionSource _changed = NewSignal();
    private readonly ClockFlow _flow;

    /// <summary>Creates a virtual clock that starts at <see cref="DefaultStart"/>.</summary>
    public VirtualTimeProvider()
        : this(DefaultStart)
    {
    }

    /// <summary>Creates a virtual clock that starts at the given instant.</summary>
    /// <param name="start">The instant the clock reads before it is first advanced.</param>
    public VirtualTimeProvider(DateTimeOffset start)
    {
        Start = start.ToUniversalTime();
        _nowTicks = Start.UtcTicks;
        _flow = new ClockFlow(Signal);
        _flow.Join();
        NetworkActivity.EnsureListening();
    }

    /// <summary>Gets the instant that a clock created without a start reads first: 2000-01-01 00:00 UTC.</summary>
    public static DateTimeOffset DefaultStart { get; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Gets the instant the clock read when it was created.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Gets the time zone that <see cref="TimeProvider.GetLocalNow"/> converts to.</summary>
    /// <value>UTC, unless set with <see cref="SetLocalTimeZone"/>.</value>
    public override TimeZoneInfo LocalTimeZone => Volatile.Read(ref _localTimeZone);

    /// <summary>Gets the number of timestamp ticks per second, one per <see cref="TimeSpan"/> tick.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Gets the total number of times a timer was armed (created with a due time, or changed to one).</summary>
    public long TimersArmed => Interlocked.Read(ref _timersArmed);

    /// <summary>Gets or sets the most timers one advance may fire at a single instant, and the most one auto-advance may fire in total.</summary>
    /// <value>10,000.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxSteps
    {
        get => _maxSteps;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxSteps = value;
        }
    }

    /// <summary>Gets or sets how long, in real time, an advance waits for work it can see (threads running code of the test, network requests in flight, a <see cref="PeriodicTimer"/> consumer) before it moves on anyway and notes it.</summary>
    /// <value>2 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan SettleTimeout
    {
        get => _settleTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _settleTimeout = value;
        }
    }

    /// <summary>Gets or sets how long, in real time, a helper of this library waits on this clock while nothing advances it, before it fails saying so.</summary>
    /// <value>2 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan StallTimeout
    {
        get => _stallTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _stallTimeout = value;
        }
    }

    /// <summary>Gets or sets how long, in real time, <see cref="WaitForTimersAsync"/> and auto-advance wait for the code under test to arm a timer before they fail.</summary>
    /// <value>10 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan ArmTimeout
    {
        get => _armTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _armTimeout = value;
        }
    }

    /// <summary>Returns the current virtual time, in UTC, without firing any timer.</summary>
    /// <returns>The current virtual time.</returns>
    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _nowTicks), TimeSpan.Zero);

    /// <summary>Returns the current virtual time as a timestamp in <see cref="TimestampFrequency"/> units, without firing any timer.</summary>
    /// <returns>The timestamp, which is the number of ticks of the current UTC virtual time.</returns>
    public override long GetTimestamp() => Interlocked.Read(ref _nowTicks);

    /// <summary>Sets the time zone that <see cref="TimeProvider.GetLocalNow"/> converts to.</summary>
    /// <param name="timeZone">The time zone to use as the local one.</param>
    public void SetLocalTimeZone(TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        Volatile.Write(ref _localTimeZone, timeZone);
    }

    /// <summary>Returns a description of the clock: its time and its pending timers.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var pending = GetPendingTimers();
        return $"VirtualTimeProvider at {Durations.Format(GetUtcNow())} ({Durations.Offset(GetUtcNow() - Start)}), {pending.Count} pending timer(s)";
    }

    /// <summary>Wakes everything that waits for a change of the clock or of the work it tracks.</summary>
    private void Signal()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            signal = SwapSignal();
        }

        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
