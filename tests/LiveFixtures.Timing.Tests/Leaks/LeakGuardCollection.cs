using Xunit;

namespace LiveFixtures.Tests.Timing;

/// <summary>Runs the LeakGuard tests alone: the guard sees every process and unobserved task exception of the test process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeakGuardCollection
{
    public const string Name = "LeakGuard";
}
