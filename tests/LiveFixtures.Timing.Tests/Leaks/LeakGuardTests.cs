using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

[Collection(LeakGuardCollection.Name)]
public sealed partial class LeakGuardTests
{

    [Fact(Timeout = 30_000)]
    public async Task DisposeAsync_ProcessStartedDuringTheScopeStillRuns_FailsNamingItsPid()
    {
        var guard = LeakGuard.Start();
        using var sleeper = Process.Start("/bin/sleep", ["30"]);
        try
        {
            var error = await Assert.ThrowsAsync<TimingAssertionException>(async () => await guard.DisposeAsync());

            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"pid {sleeper.Id} (child of pid {Environment.ProcessId}): /bin/sleep 30"), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            sleeper.Kill(entireProcessTree: true);
            await sleeper.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task DisposeAsync_ProcessStartedAndAwaited_Passes()
    {
        Process? quick = null;
        try
        {
            await using (LeakGuard.Start())
            {
                quick = Process.Start("/bin/sh", ["-c", "exit 0"]);
                await quick.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            if (quick is { HasExited: false })
            {
                quick.Kill(entireProcessTree: true);
            }

            quick?.Dispose();
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Dispose_WarnMode_AddsAWarningInsteadOfFailing()
    {
        var guard = LeakGuard.Start(new LeakGuardOptions { OnLeak = LeakAction.Warn });
        using var sleeper = Process.Start("/bin/sleep", ["30"]);
        try
        {
            guard.Dispose();

            Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("/bin/sleep 30", StringComparison.Ordinal));
        }
        finally
        {
            sleeper.Kill(entireProcessTree: true);
            await sleeper.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task DisposeAsync_KillLeakedProcesses_KillsThemAfterReporting()
    {
        var guard = LeakGuard.Start(new LeakGuardOptions { OnLeak = LeakAction.Warn, KillLeakedProcesses = true });
        using var sleeper = Process.Start("/bin/sleep", ["30"]);
        try
        {
            await guard.DisposeAsync();

            await sleeper.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(sleeper.HasExited);
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void Dispose_TaskExceptionNeverObserved_FailsNamingTheException()
    {
        var guard = LeakGuard.Start(new LeakGuardOptions { CheckProcesses = false });
        DropAFaultedTask();

        var error = Assert.Throws<TimingAssertionException>(guard.Dispose);

        Assert.Contains("1 task exception(s) were never observed:", error.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: nobody awaited me", error.Message, StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropAFaultedTask()
    {
        var source = new TaskCompletionSource();
        source.SetException(new InvalidOperationException("nobody awaited me"));
    }
}
