using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace LiveFixtures.Launching;

/// <summary>
/// A machine-wide lease on Linux: a Unix socket bound to an abstract name (<c>livefixtures-port-8999</c>,
/// <c>livefixtures-instance-NAME</c>). Nothing is on disk, and the kernel releases it the moment its holder closes it or
/// dies. The holder listens on it and answers whoever connects with who it is (its pid, test assembly, run, fixture),
/// so that a host that waits for the lease can name the holder; the pid is also read from the kernel (SO_PEERCRED).
/// </summary>
internal sealed class MachineLease : IDisposable
{
    /// <summary>The prefix of a single-instance fixture's lease name.</summary>
    public const string InstancePrefix = "livefixtures-instance-";

    /// <summary>How long a host waits for a lease another test host holds, by default: 5 minutes.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(5);

    /// <summary>How often a waiting host tries again: every 100 ms.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();

    private MachineLease(string name, Socket socket, string description)
    {
        Name = name;
        _socket = socket;
        _ = AnswerAsync(Encoding.UTF8.GetBytes(description.ReplaceLineEndings(" ") + "\n"));
    }

    /// <summary>Gets the lease's name.</summary>
    public string Name { get; }

    /// <summary>Describes this test host for a waiter: "pid 4711, test assembly LiveGui.Tests, run 20260101-...".</summary>
    public static string DescribeThisHost(string? what) => string.Create(CultureInfo.InvariantCulture,
        $"pid {Environment.ProcessId}, test assembly {Assembly.GetEntryAssembly()?.GetName().Name ?? Environment.ProcessPath}, run {Records.RunRecorder.Current.RunId}{(what is null ? "" : ", " + what)}");

    /// <summary>Takes the lease if nobody holds it; null when another process does.</summary>
    public static MachineLease? TryTake(string name, string description)
    {
        // A leading NUL puts the name in the abstract namespace. The socket is close-on-exec: no child inherits it.
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
            socket.Listen(16);
            return new MachineLease(name, socket, description);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Takes the lease, waiting (bounded) while another process holds it; <paramref name="waiting"/> is told who holds it
    /// when the wait begins and whenever the holder changes.
    /// </summary>
    /// <returns>The lease, or null with the last holder when the wait ran out.</returns>
    public static async Task<(MachineLease? Lease, LeaseHolder? Holder)> TakeAsync(string name, string description, TimeSpan wait, TimeProvider time, Action<LeaseHolder> waiting, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        LeaseHolder? holder = null;
        while (true)
        {
            if (TryTake(name, description) is { } lease)
            {
                return (lease, holder);
            }

            // A holder that is just letting go cannot be asked: keep the one known before.
            var now = FindHolder(name);
            if (holder is null || (now.Pid is not null && now.Pid != holder.Pid))
            {
                waiting(now);
                holder = now;
            }

            if (time.GetElapsedTime(started) >= wait)
            {
                return (null, holder);
            }

            await Task.Delay(RetryInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Asks the holder of a lease who it is: its pid from the kernel, and what it says of itself.</summary>
    public static LeaseHolder FindHolder(string name)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 1000 };
            socket.Connect(new UnixDomainSocketEndPoint("\0" + name));
            Span<byte> credentials = stackalloc byte[12];
            int? pid = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) >= 4 ? BitConverter.ToInt32(credentials) : null;
            var buffer = new byte[1024];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None)) > 0)
            {
                length += read;
                if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
                {
                    break;
                }
            }

            var said = Encoding.UTF8.GetString(buffer, 0, length).Trim();
            return new LeaseHolder(pid, said.Length > 0 ? said : string.Create(CultureInfo.InvariantCulture, $"pid {pid}"));
        }
        catch (SocketException)
        {
            return new LeaseHolder(null, "a process that does not say who it is (an older LiveFixtures, or one that is just letting go)");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task AnswerAsync(byte[] description)
    {
        try
        {
            while (true)
            {
                using var peer = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
                await peer.SendAsync(description, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Released.
        }
    }
}

/// <summary>Who holds a machine-wide lease: the pid the kernel names (when known) and what the holder says of itself.</summary>
internal sealed record LeaseHolder(int? Pid, string Description)
{
    /// <summary>Gets the holder's command line, read from /proc, when it can be.</summary>
    public string? CommandLine => Pid is { } pid && Platform.ProcessTables.Current.TryGet(pid) is { } info ? info.CommandLine : null;

    /// <inheritdoc/>
    public override string ToString() => Description;
}
