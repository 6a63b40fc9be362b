namespace LiveFixtures;

/// <summary>Marks a point in a process's output, so that what came after it can be read or waited for.</summary>
/// <param name="Generation">The generation whose output was marked.</param>
/// <param name="Sequence">The sequence number of the last line written before the mark.</param>
public readonly record struct OutputMark(int Generation, long Sequence);
