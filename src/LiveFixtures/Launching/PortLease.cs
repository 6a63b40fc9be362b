using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LiveFixtures.Launching;

/// <summary>
/// Holds a loopback port for one generation. Free ports are picked by the OS and then claimed with a
/// lock file in the user's private folder that every LiveFixtures process of this user honours, so that two
/// test runs at once never get the same port. The lock is released when the lease is disposed or the process dies.
/// </summary>
internal sealed class PortLease : IDisposable
{
    private readonly FileStream? _lock;

    private PortLease(int port, FileStream? lockFile)
    {
        Port = port;
        _lock = lockFile;
    }

    public int Port { get; }

    /// <summary>Gets whether this lease holds the machine-wide claim on the port.</summary>
    public bool HoldsLock => _lock is not null;

    /// <summary>Allocates a free loopback port no other LiveFixtures user holds.</summary>
    public static PortLease AllocateFree()
    {
        var locks = PrivateFolder.Get("ports");
        for (var attempt = 0; attempt < 64; attempt++)
        {
            int port;
            using (var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            }

            if (TryLock(locks, port) is { } file)
            {
                return new PortLease(port, file);
            }
        }

        throw new InvalidOperationException("Could not allocate a free loopback port after 64 attempts: other test runs hold every port the OS offered. Close them, or use WithFixedPort.");
    }

    /// <summary>Claims a fixed port (its owner, if any, is checked separately).</summary>
    public static PortLease Fixed(int port) => new(port, TryLock(PrivateFolder.Get("ports"), port));

    /// <summary>Tells whether a loopback listener could be opened on the port now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _lock?.Dispose();

    private static FileStream? TryLock(string directory, int port)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock that other .NET processes honour; the OS drops
            // it if this process dies, so a crashed run never strands a port.
            return new FileStream(
                Path.Combine(directory, port.ToString(CultureInfo.InvariantCulture) + ".lock"),
                FileMode.OpenOrCreate,
                FileAccess.ReadWrite,
                FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
