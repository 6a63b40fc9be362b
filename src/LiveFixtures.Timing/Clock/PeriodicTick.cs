using System.Reflection;

namespace LiveFixtures.Timing;

/// <summary>
/// Follows one tick of a <see cref="PeriodicTimer"/> fired on a virtual clock until its consumer has taken it: a
/// periodic timer keeps one unconsumed tick at most, so firing the next tick before the consumer is back in
/// <see cref="PeriodicTimer.WaitForNextTickAsync"/> would lose one, which the real clock (whose ticks are a period
/// apart) would not.
/// </summary>
/// <remarks>The consumer's state is read from the timer's private state object; if a runtime lays it out differently,
/// <see cref="IsSupported"/> is false and the clock falls back to tracking the code that runs.</remarks>
internal sealed class PeriodicTick
{
    private static readonly Type? StateType = typeof(PeriodicTimer).GetNestedType("State", BindingFlags.NonPublic);
    private static readonly FieldInfo? Signaled = StateType?.GetField("_signaled", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly FieldInfo? ActiveWait = StateType?.GetField("_activeWait", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly FieldInfo? Stopped = StateType?.GetField("_stopped", BindingFlags.NonPublic | BindingFlags.Instance);

    private readonly object _state;
    private readonly long _armedAtFiring;

    private PeriodicTick(VirtualTimer timer, object state, long armedAtFiring)
    {
        Timer = timer;
        _state = state;
        _armedAtFiring = armedAtFiring;
    }

    /// <summary>Gets a value indicating whether this runtime's <see cref="PeriodicTimer"/> can be followed.</summary>
    public static bool IsSupported => Signaled is not null && ActiveWait is not null && Stopped is not null;

    /// <summary>Gets the timer that ticked.</summary>
    public VirtualTimer Timer { get; }

    /// <summary>Returns a follower when the timer belongs to a <see cref="PeriodicTimer"/>, otherwise null.</summary>
    public static PeriodicTick? After(VirtualTimer timer, long timersArmed) =>
        IsSupported && timer.State is { } state && state.GetType() == StateType ? new PeriodicTick(timer, state, timersArmed) : null;

    /// <summary>
    /// Returns true while the tick waits for its consumer: it has not been taken, or the consumer has taken it but is
    /// neither back in <c>WaitForNextTickAsync</c> nor waiting on a timer armed since (so it is still working on it).
    /// </summary>
    public bool IsPending(long timersArmed)
    {
        if (Timer.IsDisposed)
        {
            return false;
        }

        lock (_state)
        {
            if ((bool)Stopped!.GetValue(_state)!)
            {
                return false;
            }

            if ((bool)Signaled!.GetValue(_state)!)
            {
                return true;
            }

            return !(bool)ActiveWait!.GetValue(_state)! && timersArmed == _armedAtFiring;
        }
    }
}
