namespace LiveFixtures;

/// <summary>
/// Says what the first start of a fixture in a run does about the processes an earlier run of it left running (its
/// test host was killed before it could stop them). Set per fixture with <see cref="LiveProcessBuilder.WithLeftovers"/>
/// or for every fixture with the environment variable <c>LIVEFIXTURES_LEFTOVERS</c> (<c>reap</c>, <c>warn</c> or
/// <c>fail</c>), which wins over the builder.
/// </summary>
public enum LeftoverPolicy
{
    /// <summary>Stops them (SIGTERM, a 2 s grace, then a kill through their containment) and tells the first test. The default.</summary>
    Reap = 0,

    /// <summary>Leaves them running and tells the first test (a fixed port they hold still fails the start).</summary>
    Warn = 1,

    /// <summary>Fails the start with a message naming them and how to stop them (<c>livefixtures reap</c>).</summary>
    Fail = 2,
}
