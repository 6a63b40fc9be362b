namespace LiveFixtures;

/// <summary>Reports that a fixed port is already taken, naming who holds it.</summary>
public sealed class PortInUseException : LiveProcessStartException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="port">The port.</param>
    /// <param name="holderProcessId">The pid holding it, when it can be seen.</param>
    /// <param name="holderCommandLine">The command line of that process, when it can be seen.</param>
    public PortInUseException(string message, int port, int? holderProcessId, string? holderCommandLine)
        : base(message)
    {
        Port = port;
        HolderProcessId = holderProcessId;
        HolderCommandLine = holderCommandLine;
    }

    /// <summary>Gets the port that is taken.</summary>
    public int Port { get; }

    /// <summary>Gets the pid of the process that holds it, when it can be seen.</summary>
    public int? HolderProcessId { get; }

    /// <summary>Gets the command line of the process that holds it, when it can be seen.</summary>
    public string? HolderCommandLine { get; }

    /// <inheritdoc/>
    internal override LiveProcessStartException CopyForAnotherCaller() =>
        new PortInUseException(Message, Port, HolderProcessId, HolderCommandLine) { ProcessName = ProcessName };
}
