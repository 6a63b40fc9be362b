using System.Net;
using System.Text.RegularExpressions;

namespace LiveFixtures;

/// <summary>Creates the built-in probes.</summary>
public static class Probe
{
    /// <summary>Creates a probe that passes when a TCP connection to the named loopback port is accepted.</summary>
    /// <param name="portName">The port's name; default the default port, <c>{port}</c>.</param>
    /// <returns>The probe.</returns>
    public static IProbe Tcp(string portName = PortNames.Default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(portName);
        return new TcpProbe(portName);
    }

    /// <summary>Creates a probe that passes when a GET answers with a 2xx status.</summary>
    /// <param name="url">An absolute URL template such as <c>http://127.0.0.1:{port}/health</c>, or a path
    /// such as <c>/health</c> relative to the handle's base address.</param>
    /// <returns>The probe.</returns>
    public static IProbe Http(string url) =>
        Http(url, status => (int)status is >= 200 and < 300, "2xx");

    /// <summary>Creates a probe that passes when a GET answers with a status <paramref name="accept"/> accepts.</summary>
    /// <param name="url">An absolute URL template or a path relative to the base address.</param>
    /// <param name="accept">Decides which statuses pass.</param>
    /// <param name="acceptDescription">Says which statuses pass, for messages.</param>
    /// <returns>The probe.</returns>
    public static IProbe Http(string url, Func<HttpStatusCode, bool> accept, string acceptDescription = "an accepted status")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentNullException.ThrowIfNull(accept);
        return new HttpProbe(url, accept, acceptDescription);
    }

    /// <summary>Creates a probe that passes once the process writes a line matching <paramref name="pattern"/>; no polling.</summary>
    /// <param name="pattern">The pattern; its named groups become values (<c>{match:name}</c>), and a group named
    /// <c>port</c> supplies the default port when the app chose it itself.</param>
    /// <returns>The probe.</returns>
    public static IProbe OutputLine(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        return OutputLine(new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
    }

    /// <summary>Creates a probe that passes once the process writes a line matching <paramref name="pattern"/>; no polling.</summary>
    /// <param name="pattern">The pattern; its named groups become values.</param>
    /// <returns>The probe.</returns>
    public static IProbe OutputLine(Regex pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new OutputLineProbe(pattern);
    }

    /// <summary>Creates a probe that passes once a file exists.</summary>
    /// <param name="path">The path; it may use <c>{workspace}</c> and other placeholders.</param>
    /// <returns>The probe.</returns>
    public static IProbe FileExists(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new FileExistsProbe(path);
    }

    /// <summary>Creates a probe from a delegate that returns true when healthy.</summary>
    /// <param name="description">What it checks, for messages.</param>
    /// <param name="check">The check.</param>
    /// <returns>The probe.</returns>
    public static IProbe Custom(string description, Func<ProbeContext, CancellationToken, Task<bool>> check)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(check);
        return new DelegateProbe(description, async (context, token) =>
            await check(context, token).ConfigureAwait(false)
                ? ProbeResult.Healthy(description)
                : ProbeResult.Unhealthy($"{description}: returned false"));
    }

    /// <summary>Creates a probe from a delegate that returns a full result.</summary>
    /// <param name="description">What it checks, for messages.</param>
    /// <param name="check">The check.</param>
    /// <returns>The probe.</returns>
    public static IProbe Custom(string description, Func<ProbeContext, CancellationToken, ValueTask<ProbeResult>> check)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(check);
        return new DelegateProbe(description, check);
    }

    /// <summary>Combines probes so that all must pass.</summary>
    /// <param name="probes">The probes, checked in order.</param>
    /// <returns>The probe.</returns>
    public static IProbe All(params IProbe[] probes) => Combine(probes, requireAll: true);

    /// <summary>Combines probes so that any one passing is enough.</summary>
    /// <param name="probes">The probes, checked in order.</param>
    /// <returns>The probe.</returns>
    public static IProbe Any(params IProbe[] probes) => Combine(probes, requireAll: false);

    /// <summary>Lists a probe and every probe inside it.</summary>
    internal static IEnumerable<IProbe> Flatten(IProbe probe) =>
        probe is CompositeProbe composite ? composite.Probes.SelectMany(Flatten).Prepend(probe) : [probe];

    private static CompositeProbe Combine(IProbe[] probes, bool requireAll)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentOutOfRangeException.ThrowIfZero(probes.Length);
        foreach (var probe in probes)
        {
            ArgumentNullException.ThrowIfNull(probe, nameof(probes));
        }

        return new CompositeProbe([.. probes], requireAll);
    }
}
