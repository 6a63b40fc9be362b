using LiveFixtures.Launching;

namespace LiveFixtures;

public sealed partial class LiveProcessBuilder
{
    /// <summary>
    /// Declares that the app may run only once on this machine at a time (a fixed data directory, a device, a
    /// licence): the first start takes a machine-wide lease named by <paramref name="key"/> for the handle's life, and a start in another test host
    /// (another test assembly run at the same time) waits until it is released instead of colliding. A fixed port
    /// (<see cref="WithFixedPort(int)"/>) takes such a lease on its own.
    /// </summary>
    /// <param name="key">The name of the lease: apps with the same key never run at once. Default: the process name.</param>
    /// <returns>A changed copy.</returns>
    /// <remarks>The lease is held by the handle: taken at its first start, kept across respawns and stops, released when the handle is disposed, and by the kernel when the test host exits or is killed; nothing is written to disk.</remarks>
    public LiveProcessBuilder WithSingleInstance(string? key = null) => new(_spec with { SingleInstance = key ?? _spec.DisplayName });

    /// <summary>
    /// Sets how long a start waits for a machine-wide lease (a fixed port, or <see cref="WithSingleInstance"/>) that
    /// another test host holds; then it fails with <see cref="PortInUseException"/> (a port) or
    /// <see cref="LiveProcessStartException"/>, naming the holder. The default is 5 minutes.
    /// </summary>
    /// <param name="wait">The longest wait; <see cref="TimeSpan.Zero"/> fails at once.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithMachineLeaseWait(TimeSpan wait) => new(_spec with { MachineLeaseWait = wait });
}
