using LiveFixtures.Testing;

namespace LiveFixtures.Suite.AssemblyScope;

/// <summary>
/// The test app, shared by every class in this folder (an assembly fixture). In budget mode it crashes on its
/// first click and may respawn only twice, so a suite that keeps clicking uses the budget up.
/// </summary>
public sealed class SuiteAppFixture : LiveProcessFixture
{
    /// <summary>Gets how many respawns budget mode allows.</summary>
    public const int BudgetRespawns = 2;

    /// <inheritdoc/>
    protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) =>
        TestAppPaths.Builder(SuiteMode.IsBudget ? ["--crash-after-clicks", "1"] : [])
            .WithName(Name)
            .WithReadiness(SuiteMode.Readiness)
            .WithRestartBudget(SuiteMode.IsBudget ? BudgetRespawns : 3, TimeSpan.FromMinutes(10));
}
