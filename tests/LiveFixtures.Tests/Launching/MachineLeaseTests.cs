using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LiveFixtures.Tests.Containment;
using Xunit;

namespace LiveFixtures.Tests.Launching;

/// <summary>Two test hosts (real processes) that share a fixed-port fixture: the second waits for the first, bounded.</summary>
public sealed class MachineLeaseTests
{
    [Fact(Timeout = 120_000)]
    public async Task TwoHostsShareAFixedPort_SecondWaitsNamingTheFirstThenRuns()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        using var first = HostRun.Start("hold-fixed", "fallback", port, "60");
        await first.LineAsync("holding ", TestContext.Current.CancellationToken);
        using var second = HostRun.Start("hold-fixed", "fallback", port, "60");
        try
        {
            var waiting = await second.LineContainingAsync("waits to start generation 1", TestContext.Current.CancellationToken);

            Assert.Contains($"port {port} ('port') is held on this machine by pid {first.Process.Id}, test assembly LiveFixtures.HostExit, run ", waiting);
            Assert.Contains("LiveProcess 'FixedPortApp', which holds it from its generation 1 until it is disposed", waiting);
            Assert.DoesNotContain(second.Lines(), l => l.StartsWith("holding ", StringComparison.Ordinal));

            first.Process.StandardInput.Close();
            await first.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            await second.LineAsync("holding ", TestContext.Current.CancellationToken);

            Assert.Contains(second.Lines(), l => l.Contains($"got port {port} ('port') after waiting for pid {first.Process.Id}", StringComparison.Ordinal));
            second.Process.StandardInput.Close();
            await second.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, second.Process.ExitCode);
        }
        finally
        {
            first.Process.StandardInput.Close();
            second.Process.StandardInput.Close();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task HostCrashLoopingOnAFixedPort_KeepsItsLeaseAcrossRespawnsUntilDisposed()
    {
        // Host A's app crashes and is stopped, and is started again 400 ms later each time; host B waits for the port all
        // along (polling every 100 ms): it must never get it between a stop and the next start, only once A is disposed.
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        using var first = HostRun.Start("crashloop-fixed", "fallback", port, "8");
        await first.LineAsync("generation ", TestContext.Current.CancellationToken);
        using var second = HostRun.Start("hold-fixed", "fallback", port, "60");
        try
        {
            var waiting = await second.LineContainingAsync("waits to start generation 1", TestContext.Current.CancellationToken);
            Assert.Contains($"port {port} ('port') is held on this machine by pid {first.Process.Id}, test assembly LiveFixtures.HostExit, run ", waiting);
            Assert.Contains("LiveProcess 'CrashLoop', which holds it from its generation 1 until it is disposed", waiting);

            await first.Process.StandardInput.WriteLineAsync("go");
            await first.Process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
            var end = await first.LineAsync("end ", TestContext.Current.CancellationToken);

            Assert.Equal("looped", end);
            Assert.Equal(9, first.Lines().Count(l => l.StartsWith("generation ", StringComparison.Ordinal)));
            Assert.DoesNotContain(second.Lines(), l => l.StartsWith("holding ", StringComparison.Ordinal));

            first.Process.StandardInput.Close();
            await first.LineAsync("disposed", TestContext.Current.CancellationToken);
            await second.LineAsync("holding ", TestContext.Current.CancellationToken);
            Assert.Contains(second.Lines(), l => l.Contains($"got port {port} ('port') after waiting for pid {first.Process.Id}", StringComparison.Ordinal));
            second.Process.StandardInput.Close();
            await second.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            await first.Process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal((0, 0), (first.Process.ExitCode, second.Process.ExitCode));
        }
        finally
        {
            first.Process.StandardInput.Close();
            second.Process.StandardInput.Close();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task WaitRunsOut_FailsNamingTheHolderTheCauseAndTheFix()
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        using var first = HostRun.Start("hold-fixed", "fallback", port, "60");
        await first.LineAsync("holding ", TestContext.Current.CancellationToken);
        using var second = HostRun.Start("hold-fixed", "fallback", port, "1");
        try
        {
            var failed = await second.LineAsync("failed ", TestContext.Current.CancellationToken);
            await second.Process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(3, second.Process.ExitCode);
            Assert.Contains($"port {port} ('port') is held on this machine by pid {first.Process.Id}, test assembly LiveFixtures.HostExit", failed);
            Assert.Contains("was not released within 1 s", failed);
            Assert.Contains("--max-parallel-test-modules 1", failed);
            Assert.Contains("WithPort(\"port\")", failed);
        }
        finally
        {
            first.Process.StandardInput.Close();
            second.Process.StandardInput.Close();
        }
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}

/// <summary>The single-instance lease within one host, and the options' validation.</summary>
public sealed class SingleInstanceTests
{
    [Fact(Timeout = 60_000)]
    public async Task SecondHandleOfASingleInstanceApp_WaitRunsOut_FailsNamingThisHostAndTheFix()
    {
        var key = $"single-{Guid.NewGuid():N}";
        await using var first = new LiveProcessBuilder("/bin/sleep").WithName("First").WithArguments("300").WithSingleInstance(key).Build();
        await using var second = new LiveProcessBuilder("/bin/sleep").WithName("Second").WithArguments("300").WithSingleInstance(key)
            .WithMachineLeaseWait(TimeSpan.FromMilliseconds(300)).Build();
        await first.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => second.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"LiveProcess 'Second' could not start generation 1: it may run only once on this machine (WithSingleInstance(\"{key}\")), and this test host itself (pid {Environment.ProcessId}", error.Message);
        Assert.Contains("LiveProcess 'First', which holds it from its generation 1 until it is disposed", error.Message);
        Assert.EndsWith("or raise the wait with WithMachineLeaseWait.", error.Message);

        // A stop keeps the lease (the handle may start again, as a respawn does); its dispose lets it go.
        await first.StopAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<LiveProcessStartException>(() => second.EnsureReadyAsync(TestContext.Current.CancellationToken));
        await first.DisposeAsync();
        var generation = await second.EnsureReadyAsync(TestContext.Current.CancellationToken);
        Assert.True(generation.ProcessId > 0);
    }

    [Fact]
    public void Build_NegativeLeaseWaitOrEmptyKey_ListsBothProblemsWithTheirFix()
    {
        var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("/bin/sleep")
            .WithSingleInstance(" ")
            .WithMachineLeaseWait(TimeSpan.FromSeconds(-1))
            .Build());

        Assert.Contains("The machine lease wait -00:00:01 is negative: use TimeSpan.Zero to fail at once, or a positive wait (the default is 5 minutes).", error.Message);
        Assert.Contains("The single-instance key is empty: give WithSingleInstance a name, or call it without one to use the process name.", error.Message);
    }
}
