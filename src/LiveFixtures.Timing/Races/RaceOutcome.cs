namespace LiveFixtures.Timing;

/// <summary>Records how one of the operations of a <see cref="Race"/> ended.</summary>
/// <typeparam name="T">The type of the operations' result.</typeparam>
/// <param name="Index">The index the operation was given, from 0.</param>
/// <param name="Status">How the operation's task ended: RanToCompletion, Faulted or Canceled.</param>
/// <param name="Result">The result, when the operation completed normally; otherwise the default value.</param>
/// <param name="Exception">The exception the operation ended with (the <see cref="OperationCanceledException"/> when it was canceled), or <see langword="null"/>.</param>
public readonly record struct RaceOutcome<T>(int Index, TaskStatus Status, T? Result, Exception? Exception)
{
    /// <summary>Gets a value indicating whether the operation completed normally.</summary>
    public bool Succeeded => Status == TaskStatus.RanToCompletion;

    /// <summary>Returns a one-line description such as "#3 Faulted: InvalidOperationException: boom".</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        Exception is null ? $"#{Index} {Status}: {Result}" : $"#{Index} {Status}: {Durations.Describe(Exception)}";
}
