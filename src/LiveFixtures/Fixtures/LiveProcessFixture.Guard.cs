using Xunit;

namespace LiveFixtures;

public abstract partial class LiveProcessFixture
{
    /// <summary>
    /// Guards one test: ensures the process is ready (respawning it if it is dead or degraded, with the notice),
    /// and marks the test as running against it. Dispose the scope after the test to record what it did to the process.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait; default the current test's token.</param>
    /// <returns>The guarded test's scope: dispose it when the test ends (once; later calls do nothing).</returns>
    /// <remarks><see cref="LiveTest{TFixture}"/> and <see cref="LiveGuardAttribute"/> call this for you.</remarks>
    public async Task<IAsyncDisposable> BeginTestAsync(CancellationToken cancellationToken = default) =>
        await BeginScopeAsync(cancellationToken).ConfigureAwait(false);

    internal async Task<LiveTestScope> BeginScopeAsync(CancellationToken cancellationToken)
    {
        var testName = TestContext.Current.Test?.TestDisplayName ?? "(outside a test)";
        var (generation, notice) = await EnsureReadyWithNoticeAsync(cancellationToken).ConfigureAwait(false);
        var tracking = Process.TrackTest(testName);
        return new LiveTestScope(this, generation, generation.Output.Mark(), tracking) { TestName = testName, Notice = notice };
    }

    internal async Task EndTestAsync(LiveTestScope scope)
    {
        DeathRecord? death = null;
        using var limit = new CancellationTokenSource(Process.TeardownLimit, TimeProvider.System);
        try
        {
            // Opt-in: a delayed exit (an app that dies shortly after answering) is recorded while this test is still tracked.
            await Process.SettleAsync(scope.Generation.Number, limit.Token).ConfigureAwait(false);

            // The generation this test started on may already have been replaced by a parallel test: its own
            // death record says what happened to it. Otherwise check the current one, with a bounded token of its own
            // (the test's may already be cancelled, and the gate may be held by another test's respawn).
            death = Process.Deaths.LastOrDefault(d => d.Generation == scope.Generation.Number);
            if (death is null)
            {
                var now = await Process.CheckAsync(limit.Token).ConfigureAwait(false);

                // A parallel test's respawn may have recorded this generation's death while this check waited for the handle.
                death = Process.Deaths.LastOrDefault(d => d.Generation == scope.Generation.Number) ?? now;
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            TestContext.Current.SendDiagnosticMessage($"{Name}: the check after this test was skipped: the handle stayed busy for {Process.TeardownLimit.TotalSeconds:0} s (another test's start or stop), so nothing is recorded against this test.");
        }
        finally
        {
            scope.Tracking.Dispose();
        }

        var slice = scope.Generation.Output.Since(scope.Mark);
        // Every test in flight when a shared process died is told, not only the first one to end.
        var duringThisTest = death is not null && death.Generation == scope.Generation.Number && death.Cause != DeathCause.Stopped
            && (death.TestsInFlight.Contains(scope.TestName) || (death.TestsInFlight.Count == 0 && death.TestName == scope.TestName));
        var notice = scope.Notice;
        if (duringThisTest)
        {
            notice = Notices.DiedDuringTest(Name, death!, slice, scope.Generation.Output, scope.TestName);
        }
        else if (AttachOutputAlways || TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            Notices.Attach($"{Name}-gen{scope.Generation.Number}-this-test.log", slice);
        }

        if (FreshPerTest)
        {
            await Process.StopAsync().ConfigureAwait(false);
        }

        // The test already failed (its result is known only after the test method ended, so a scope disposed inside the
        // test never throws here): its failure message also carries what it was told, which may be the real cause.
        if (notice is not null && TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            throw new LiveProcessNoticeException($"This test failed on a process LiveFixtures told it about; the cause may be there:{Environment.NewLine}{notice}")
            {
                ProcessName = Name,
            };
        }
    }
}
