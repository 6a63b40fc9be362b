using LiveFixtures.Health;
using LiveFixtures.Launching;

namespace LiveFixtures;

public sealed partial class LiveProcessBuilder
{
    /// <summary>
    /// Allocates a free loopback port per generation, usable as <c>{port}</c> (or <c>{port:name}</c>); no two
    /// LiveFixtures users on this machine get the same port at once.
    /// </summary>
    /// <param name="name">The port's name; default "port", written <c>{port}</c>.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithPort(string name = PortNames.Default) => AddPort(new PortSpec(name, null));

    /// <summary>Uses a fixed port; before each start it is checked, and a busy port fails at once naming who holds it.</summary>
    /// <param name="port">The port, 1 to 65535.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithFixedPort(int port) => WithFixedPort(PortNames.Default, port);

    /// <summary>Uses a fixed port under a name; before each start it is checked, and a busy port fails at once naming who holds it.</summary>
    /// <param name="name">The port's name.</param>
    /// <param name="port">The port, 1 to 65535.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithFixedPort(string name, int port) => AddPort(new PortSpec(name, port));

    /// <summary>
    /// Declares a port the app chooses itself and prints: it is taken from the named group of the same name in an
    /// output-line readiness probe, such as <c>Probe.OutputLine(@"ready on http://127.0.0.1:(?&lt;port&gt;\d+)")</c>.
    /// </summary>
    /// <param name="name">The port's (and the group's) name; default "port".</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithPortFromOutput(string name = PortNames.Default) => AddPort(new PortSpec(name, null, FromOutput: true));

    private LiveProcessBuilder AddPort(PortSpec port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(port.Name);
        return new(_spec with { Ports = _spec.Ports.Add(port) });
    }
}
