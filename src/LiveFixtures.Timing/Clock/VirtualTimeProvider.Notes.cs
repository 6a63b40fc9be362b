namespace LiveFixtures.Timing;

public sealed partial class VirtualTimeProvider
{
    private static readonly AsyncLocal<string?> LibraryOwner = new();

    [ThreadStatic]
    private static VirtualTimeProvider? t_firing;

    private readonly List<string> _notes = [];
    private readonly HashSet<string> _escapedOwners = new(StringComparer.Ordinal);

    /// <summary>Gets what the clock noticed about code that left its guarantees: timers armed by code it cannot track, work it stopped waiting for, waits on the real clock.</summary>
    /// <value>The notes, oldest first; each is also added to the current test's warnings.</value>
    public IReadOnlyList<string> Notes
    {
        get
        {
            lock (_notes)
            {
                return [.. _notes];
            }
        }
    }

    /// <summary>Marks the timers that the calling async code creates from now on as the library's own (a wait's probe delays, a deadline), until it returns.</summary>
    internal static void OwnTimers(string owner) => LibraryOwner.Value = owner;

    /// <summary>Gives the timers created from now on in the calling async code back to the user, until it returns.</summary>
    internal static void UserTimers() => LibraryOwner.Value = null;

    /// <summary>Gets the label of the library code that is creating a timer, or null.</summary>
    internal static string? CurrentLibraryOwner => LibraryOwner.Value;

    internal void AddNote(string note)
    {
        lock (_notes)
        {
            _notes.Add(note);
        }

        if (!TestReport.Warn("VirtualTimeProvider: " + note + "."))
        {
            Console.Error.WriteLine("VirtualTimeProvider: " + note + ".");
        }
    }

    /// <summary>Notes a timer armed by code that the clock cannot track (outside its flow, and not inside a firing).</summary>
    private void NoteIfEscaped(VirtualTimer timer, long dueInTicks)
    {
        if (timer.IsLibraryOwned || ReferenceEquals(t_firing, this) || ReferenceEquals(ClockFlow.Of, _flow))
        {
            return;
        }

        lock (_notes)
        {
            if (!_escapedOwners.Add(timer.Owner))
            {
                return;
            }
        }

        AddNote(
            $"timer #{timer.Id} ({timer.Owner}, due in {Durations.Format(TimeSpan.FromTicks(dueInTicks))}) was armed by code that runs outside the clock's tracked flow " +
            "(started under ExecutionContext.SuppressFlow, through an Unsafe* API, or from a flow that existed before the clock). The clock cannot see when such code " +
            "is busy, so an advance may outrun it; create the VirtualTimeProvider before starting that code, from the same test, or use clock.RunAsync");
    }
}
