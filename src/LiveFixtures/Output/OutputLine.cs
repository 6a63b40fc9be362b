using System.Globalization;

namespace LiveFixtures;

/// <summary>Holds one line a process wrote, with when and where it was written.</summary>
/// <param name="Sequence">The line's number within its generation, from 1.</param>
/// <param name="Timestamp">The time the line was read, from the handle's <see cref="TimeProvider"/>.</param>
/// <param name="Stream">The stream it was written to.</param>
/// <param name="Text">The text, without the line ending; very long lines are cut and say so.</param>
public readonly record struct OutputLine(long Sequence, DateTimeOffset Timestamp, OutputSource Stream, string Text)
{
    /// <summary>Formats the line as <c>12:03:04.512 err| text</c>.</summary>
    /// <returns>The formatted line.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Timestamp:HH:mm:ss.fff} {(Stream == OutputSource.StdErr ? "err" : "out")}| {Text}");
}
