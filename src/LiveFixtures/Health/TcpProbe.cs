using System.Net;
using System.Net.Sockets;

namespace LiveFixtures.Health;

/// <summary>Passes when a TCP connection to a loopback port is accepted.</summary>
internal sealed class TcpProbe(string portName) : IProbe
{
    public string PortName => portName;

    public string Description => $"TCP connect to 127.0.0.1:{{port{(portName == PortNames.Default ? "" : ":" + portName)}}}";

    public async ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        if (!context.Ports.TryGetValue(portName, out var port)
            && !(context.Values.TryGetValue(portName, out var text) && int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out port)))
        {
            return ProbeResult.Unhealthy($"no port named '{portName}' is known yet");
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
            return ProbeResult.Healthy($"127.0.0.1:{port} accepts connections");
        }
        catch (SocketException e)
        {
            return ProbeResult.Unhealthy($"127.0.0.1:{port} refused the connection ({e.SocketErrorCode})");
        }
    }
}
