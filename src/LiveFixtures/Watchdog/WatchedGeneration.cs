using System.Globalization;

namespace LiveFixtures.Watchdog;

/// <summary>
/// What the host tells its watchdog about one generation the moment it is started, before the handle hands it out:
/// the root's identity, how the generation is contained and the TCP ports leased to it. One line on the pipe, tab-separated.
/// </summary>
internal sealed record WatchedGeneration(string Cookie, int Pid, ulong StartTicks, ContainmentTier Tier, string? Cgroup, int ProcessGroup, string Fixture, int Generation)
{
    /// <summary>Gets the TCP ports leased to the generation: an orphan of the host listening on one is the run's (process-group tier).</summary>
    public IReadOnlyList<int> Ports { get; init; } = [];

    /// <summary>The line that announces the generation ("S", then the fields).</summary>
    public string ToLine() => string.Join('\t',
        "S",
        Clean(Cookie),
        Pid.ToString(CultureInfo.InvariantCulture),
        StartTicks.ToString(CultureInfo.InvariantCulture),
        Tier.ToString(),
        Clean(Cgroup ?? ""),
        ProcessGroup.ToString(CultureInfo.InvariantCulture),
        Clean(Fixture),
        Generation.ToString(CultureInfo.InvariantCulture),
        string.Join(',', Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)))) + "\n";

    /// <summary>Reads the fields of an "S" line (without the "S"), or returns null when they are not a generation.</summary>
    public static WatchedGeneration? Parse(string[] fields)
    {
        if (fields.Length < 9
            || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !ulong.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !Enum.TryParse<ContainmentTier>(fields[4], out var tier)
            || !int.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var group)
            || !int.TryParse(fields[8], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return null;
        }

        var ports = new List<int>();
        foreach (var text in fields.Length > 9 ? fields[9].Split(',', StringSplitOptions.RemoveEmptyEntries) : [])
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
            {
                ports.Add(port);
            }
        }

        return new WatchedGeneration(fields[1], pid, start, tier, fields[5].Length == 0 ? null : fields[5], group, fields[7], generation) { Ports = ports };
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Fixture} generation {Generation} (pid {Pid}, {Tier}{(Cgroup is null ? "" : " " + Cgroup)})");

    private static string Clean(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
