namespace LiveFixtures.Tool;

/// <summary>One row of 'livefixtures ps'.</summary>
internal sealed record PsRow(string Fixture, int Generation, int Pid, string Status, bool Alive, string Run, bool HostAlive, TimeSpan Age, Dictionary<string, int> Ports);
