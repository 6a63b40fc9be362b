namespace LiveFixtures.Timing;

/// <summary>A timer of a <see cref="VirtualTimeProvider"/>; its state is guarded by the provider's lock.</summary>
internal sealed class VirtualTimer : ITimer
{
    private readonly VirtualTimeProvider _clock;

    public VirtualTimer(VirtualTimeProvider clock, long id, TimerCallback callback, object? state, ExecutionContext? context, string? libraryOwner)
    {
        _clock = clock;
        Id = id;
        Callback = callback;
        State = state;
        Context = context;
        IsLibraryOwned = libraryOwner is not null;
        Owner = libraryOwner ?? OwnerName(callback, state);
    }

    /// <summary>Gets a value indicating whether this library created the timer for itself (a wait's probe delay, a deadline), not the code under test.</summary>
    public bool IsLibraryOwned { get; }

    /// <summary>Gets the creation sequence number, which breaks ties between timers due at the same instant.</summary>
    public long Id { get; }

    public TimerCallback Callback { get; }

    public object? State { get; }

    /// <summary>Gets the execution context captured at creation, which the callback runs in, as with a real timer.</summary>
    public ExecutionContext? Context { get; }

    /// <summary>Gets a short name of what created the timer, for diagnostics.</summary>
    public string Owner { get; }

    public long DueTicks { get; set; }

    /// <summary>Gets or sets the period in ticks; zero for a one-shot timer.</summary>
    public long PeriodTicks { get; set; }

    public bool IsArmed { get; set; }

    public bool IsDisposed { get; set; }

    public int FireCount { get; set; }

    public bool Change(TimeSpan dueTime, TimeSpan period) => _clock.Change(this, dueTime, period);

    public void Dispose() => _clock.Remove(this);

    public ValueTask DisposeAsync()
    {
        _clock.Remove(this);
        return ValueTask.CompletedTask;
    }

    public PendingTimer ToPendingTimer() => new(
        Id,
        new DateTimeOffset(DueTicks, TimeSpan.Zero),
        PeriodTicks == 0 ? null : TimeSpan.FromTicks(PeriodTicks),
        Owner);

    private static string OwnerName(TimerCallback callback, object? state)
    {
        var type = state?.GetType() ?? callback.Method.DeclaringType;
        if (type is null)
        {
            return callback.Method.Name;
        }

        var name = type.FullName ?? type.Name;
        return name switch
        {
            _ when name.Contains("DelayPromise", StringComparison.Ordinal) => "Task.Delay",
            _ when name.StartsWith("System.Threading.CancellationTokenSource", StringComparison.Ordinal) => "CancellationTokenSource timeout",
            _ when name.StartsWith("System.Threading.PeriodicTimer", StringComparison.Ordinal) => "PeriodicTimer",
            _ when name.Contains("TaskExtensions", StringComparison.Ordinal) || name.Contains("CancellationPromise", StringComparison.Ordinal) => "Task.WaitAsync",
            _ => name.Replace('+', '.'),
        };
    }
}
