namespace LiveFixtures;

/// <summary>Names how the processes of a generation are held together, so that a stop reaches every one of them.</summary>
/// <remarks>Chosen once per test run, the strongest the machine allows; see docs/process-tree.md.</remarks>
public enum ContainmentTier
{
    /// <summary>Nothing was started, or the OS offers no containment LiveFixtures uses.</summary>
    None,

    /// <summary>
    /// The process group and session the generation leads, with the test host as child subreaper: descendants
    /// are found by parentage, group and session, and by the environment cookie on those candidates.
    /// </summary>
    ProcessGroup,

    /// <summary>A cgroup v2 per generation, joined before the app runs: no descendant can leave it, and one write kills them all.</summary>
    Cgroup,
}
