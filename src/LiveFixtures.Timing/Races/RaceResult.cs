namespace LiveFixtures.Timing;

/// <summary>Collects how every operation of a <see cref="Race"/> ended: results and exceptions, in index order.</summary>
/// <typeparam name="T">The type of the operations' result.</typeparam>
public sealed class RaceResult<T>
{
    internal RaceResult(IReadOnlyList<RaceOutcome<T>> outcomes)
    {
        Outcomes = outcomes;
        Results = [.. outcomes.Where(o => o.Succeeded).Select(o => o.Result!)];
        Exceptions = [.. outcomes.Where(o => o.Exception is not null).Select(o => o.Exception!)];
    }

    /// <summary>Gets the round these outcomes come from, from 1 (always 1 without <see cref="RaceOptions"/>).</summary>
    public int Round { get; internal set; } = 1;

    /// <summary>Gets how each operation ended, in index order.</summary>
    public IReadOnlyList<RaceOutcome<T>> Outcomes { get; }

    /// <summary>Gets the results of the operations that completed normally, in index order.</summary>
    public IReadOnlyList<T> Results { get; }

    /// <summary>Gets the exceptions of the operations that faulted or were canceled, in index order.</summary>
    public IReadOnlyList<Exception> Exceptions { get; }

    /// <summary>Throws when any operation faulted or was canceled, listing every one that did.</summary>
    /// <exception cref="TimingAssertionException">At least one operation did not complete normally.</exception>
    public void ThrowIfAnyFailed()
    {
        var failed = Outcomes.Where(o => !o.Succeeded).ToList();
        if (failed.Count == 0)
        {
            return;
        }

        throw new TimingAssertionException(
            $"{failed.Count} of {Outcomes.Count} operations started together did not complete normally:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", failed) + Environment.NewLine +
            "They ran at the same instant, so look for shared state without a lock, a check-then-act, or a resource that cannot be used concurrently.",
            failed[0].Exception);
    }

    /// <summary>Returns a summary such as "8 operations: 7 completed, 1 failed".</summary>
    /// <returns>The summary.</returns>
    public override string ToString() =>
        $"{Outcomes.Count} operations: {Results.Count} completed, {Outcomes.Count - Results.Count} failed";
}
