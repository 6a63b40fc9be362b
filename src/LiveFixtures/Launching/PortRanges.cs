using System.Globalization;

namespace LiveFixtures.Launching;

/// <summary>
/// Tells which loopback ports a lease may pick: none the kernel hands out on its own (the ephemeral range of
/// <c>ip_local_port_range</c>, from which every outgoing connection takes a source port, so such a port may be taken
/// between the lease and the app's bind) and none an administrator reserved (<c>ip_local_reserved_ports</c>).
/// </summary>
internal sealed class PortRanges
{
    /// <summary>The lowest port picked: below it lie well-known services (and, below 1024, privileged ports).</summary>
    internal const int Lowest = 10_000;

    private readonly (int Low, int High) _ephemeral;
    private readonly List<(int Low, int High)> _reserved;

    internal PortRanges((int Low, int High) ephemeral, List<(int Low, int High)> reserved)
    {
        _ephemeral = ephemeral;
        _reserved = reserved;
        Candidates = [.. Enumerable.Range(Lowest, 65_536 - Lowest).Where(IsCandidate)];
    }

    /// <summary>Gets the ranges of this machine, read once from /proc (Linux defaults elsewhere or when unreadable).</summary>
    public static PortRanges Current { get; } = Read("/proc/sys/net/ipv4");

    /// <summary>Gets the ports a lease may pick, ascending; empty when the ephemeral range covers them all.</summary>
    public IReadOnlyList<int> Candidates { get; }

    /// <summary>Tells whether a lease may pick <paramref name="port"/>.</summary>
    public bool IsCandidate(int port) =>
        port is >= Lowest and <= 65_535
        && (port < _ephemeral.Low || port > _ephemeral.High)
        && !_reserved.Exists(r => port >= r.Low && port <= r.High);

    /// <summary>Reads <c>ip_local_port_range</c> and <c>ip_local_reserved_ports</c> from <paramref name="directory"/>.</summary>
    internal static PortRanges Read(string directory)
    {
        var ephemeral = (32_768, 60_999);
        List<(int, int)> reserved = [];
        try
        {
            var range = File.ReadAllText(Path.Combine(directory, "ip_local_port_range")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (range.Length == 2 && int.TryParse(range[0], CultureInfo.InvariantCulture, out var low) && int.TryParse(range[1], CultureInfo.InvariantCulture, out var high))
            {
                ephemeral = (low, high);
            }

            reserved = ParseList(File.ReadAllText(Path.Combine(directory, "ip_local_reserved_ports")));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc hidden: the kernel's defaults.
        }

        return new PortRanges(ephemeral, reserved);
    }

    /// <summary>Parses the kernel's list format: <c>8080,9000-9100</c>.</summary>
    internal static List<(int Low, int High)> ParseList(string text)
    {
        List<(int, int)> ranges = [];
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = item.IndexOf('-', StringComparison.Ordinal);
            var lowText = dash < 0 ? item : item[..dash];
            var highText = dash < 0 ? item : item[(dash + 1)..];
            if (int.TryParse(lowText, CultureInfo.InvariantCulture, out var low) && int.TryParse(highText, CultureInfo.InvariantCulture, out var high))
            {
                ranges.Add((low, high));
            }
        }

        return ranges;
    }
}
