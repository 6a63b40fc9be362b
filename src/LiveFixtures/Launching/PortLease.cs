using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LiveFixtures.Launching;

/// <summary>
/// Holds a loopback port for one generation. Free ports are picked by the OS and then claimed machine-wide, so that
/// two test runs at once never get the same port. On Linux the claim is a Unix socket bound to the abstract name
/// <c>livefixtures-port-{port}</c>: it exists only while the socket is open, is never a file, and the kernel drops it
/// the moment the holder closes it or dies, so a crashed run never strands a port and no claim is left on disk.
/// Elsewhere the claim is an exclusive lock on a file in the user's private folder.
/// </summary>
internal sealed class PortLease : IDisposable
{
    /// <summary>The prefix of the abstract socket name that claims a port.</summary>
    internal const string ClaimPrefix = "livefixtures-port-";

    private readonly IDisposable? _claim;

    private PortLease(int port, IDisposable? claim)
    {
        Port = port;
        _claim = claim;
    }

    public int Port { get; }

    /// <summary>Gets whether this lease holds the machine-wide claim on the port.</summary>
    public bool HoldsLock => _claim is not null;

    /// <summary>
    /// Allocates a free loopback port no other LiveFixtures user holds, outside the kernel's ephemeral range and its
    /// reserved ports (<see cref="PortRanges"/>): a port from the ephemeral range may be taken as the source port of any
    /// outgoing connection between the lease and the app's bind.
    /// </summary>
    /// <param name="avoid">Ports not to pick (those of an attempt that just failed).</param>
    public static PortLease AllocateFree(IReadOnlyCollection<int>? avoid = null)
    {
        var candidates = PortRanges.Current.Candidates;
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var port = candidates.Count > 0 ? candidates[Random.Shared.Next(candidates.Count)] : OsPickedPort();
            if ((avoid?.Contains(port) ?? false) || (candidates.Count > 0 && !IsFree(port)))
            {
                continue;
            }

            if (TryClaim(port) is { } claim)
            {
                return new PortLease(port, claim);
            }
        }

        throw new InvalidOperationException("Could not allocate a free loopback port after 64 attempts: other programs or test runs hold every port tried. Close them, or use WithFixedPort.");
    }

    /// <summary>Asks the OS for a free port: its pick lies in the ephemeral range, the fallback when nothing lies outside it.</summary>
    private static int OsPickedPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>Claims a fixed port (its owner, if any, is checked separately).</summary>
    public static PortLease Fixed(int port) => new(port, TryClaim(port));

    /// <summary>Gives a generation a fixed port whose claim its handle holds (a <see cref="MachineLease"/> kept until the handle is disposed): disposing it releases nothing.</summary>
    public static PortLease OfHandle(int port) => new(port, claim: null);

    /// <summary>Gets the name of the machine-wide claim on a port.</summary>
    public static string ClaimName(int port) => ClaimPrefix + port.ToString(CultureInfo.InvariantCulture);

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

    public void Dispose() => _claim?.Dispose();

    private static IDisposable? TryClaim(int port) => OperatingSystem.IsLinux() ? TryBindAbstractName(port) : TryLockFile(port);

    // An abstract name (Linux): nothing is created on disk, and the socket is close-on-exec, so the app this lease is
    // for does not inherit the claim. The holder answers a waiting host with who it is.
    private static MachineLease? TryBindAbstractName(int port) => MachineLease.TryTake(ClaimName(port), MachineLease.DescribeThisHost(null));

    private static FileStream? TryLockFile(int port)
    {
        try
        {
            // FileShare.None takes an exclusive lock that other .NET processes honour; the OS drops it if this
            // process dies. The file stays: deleting it on release would race with a second owner locking it.
            return new FileStream(
                Path.Combine(PrivateFolder.Get("ports"), port.ToString(CultureInfo.InvariantCulture) + ".lock"),
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
