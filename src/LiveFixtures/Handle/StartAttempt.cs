using System.Globalization;

namespace LiveFixtures;

/// <summary>One failed attempt of a start that was retried at once (a transient failure): listed if every attempt fails.</summary>
internal sealed record StartAttempt(int Generation, int ProcessId, IReadOnlyList<int> Ports, string Cause, string LastLine)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"generation {Generation} (pid {ProcessId}{(Ports.Count == 0 ? "" : ", port " + string.Join(", ", Ports))}): {Cause}; last line: {LastLine}");
}
