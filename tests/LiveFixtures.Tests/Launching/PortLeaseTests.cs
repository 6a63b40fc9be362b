using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Launching;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests.Launching;

public sealed class PortLeaseTests
{
    [Fact]
    public void AllocateFree_ManyAtOnce_NeverHandsOutTheSamePortTwice()
    {
        var leases = Enumerable.Range(0, 50).Select(_ => PortLease.AllocateFree()).ToList();
        try
        {
            Assert.Equal(50, leases.Select(l => l.Port).Distinct().Count());
        }
        finally
        {
            leases.ForEach(l => l.Dispose());
        }
    }

    [Fact]
    public void Fixed_PortAlreadyLeased_GetsNoLock()
    {
        using var held = PortLease.AllocateFree();

        using var again = PortLease.Fixed(held.Port);

        Assert.False(again.HoldsLock);
    }

    [Fact]
    public void Fixed_PortReleased_IsClaimedAgain()
    {
        int port;
        using (var first = PortLease.AllocateFree())
        {
            port = first.Port;
        }

        using var again = PortLease.Fixed(port);

        Assert.True(again.HoldsLock, $"port {port} should be free to claim once the lease that held it was disposed.");
    }

    [Fact(Timeout = 60_000)]
    public async Task Fixed_PortHeldByAnotherProcess_IsRefusedUntilThatProcessIsKilled()
    {
        var token = TestContext.Current.CancellationToken;
        int port;
        using (var probe = PortLease.AllocateFree())
        {
            port = probe.Port;
        }

        using var holder = await StartHolderAsync(port, tmpdir: null, token);
        try
        {
            Assert.Equal("holds", holder.FirstLine);
            using (var whileHeld = PortLease.Fixed(port))
            {
                Assert.False(whileHeld.HoldsLock, $"port {port} is leased by pid {holder.Process.Id}, so this process must not get it.");
            }

            // Killed, not asked: the kernel must drop the claim of a process that never released it.
            holder.Process.Kill();
            await holder.Process.WaitForExitAsync(token);

            using var afterDeath = PortLease.Fixed(port);
            Assert.True(afterDeath.HoldsLock, $"port {port} should be claimable once its holder (pid {holder.Process.Id}) was killed.");
        }
        finally
        {
            holder.KillIfRunning();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Fixed_PortHeldHere_IsRefusedToAnotherProcess()
    {
        var token = TestContext.Current.CancellationToken;
        using var held = PortLease.AllocateFree();

        using var other = await StartHolderAsync(held.Port, tmpdir: null, token);
        try
        {
            Assert.Equal("refused", other.FirstLine);
        }
        finally
        {
            other.KillIfRunning();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Fixed_HeldAndReleasedInAnotherProcess_LeavesNothingOnDisk()
    {
        var token = TestContext.Current.CancellationToken;
        var tmp = Directory.CreateTempSubdirectory("livefixtures-lease-").FullName;
        try
        {
            int port;
            using (var probe = PortLease.AllocateFree())
            {
                port = probe.Port;
            }

            using var holder = await StartHolderAsync(port, tmp, token);
            Assert.Equal("holds", holder.FirstLine);
            Assert.Empty(Directory.GetFileSystemEntries(tmp, "*", SearchOption.AllDirectories));

            holder.Process.Kill();
            await holder.Process.WaitForExitAsync(token);

            Assert.Empty(Directory.GetFileSystemEntries(tmp, "*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>Starts a process that leases <paramref name="port"/> and waits; returns once it said whether it holds it.</summary>
    private static async Task<Holder> StartHolderAsync(int port, string? tmpdir, CancellationToken token)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true };
        info.ArgumentList.Add(TestAppPaths.BuiltDll("LiveFixtures.HostExit"));
        info.ArgumentList.Add("lease");
        info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_EnableDiagnostics"] = "0";   // the runtime's own debug pipes would land in TMPDIR
        if (tmpdir is not null)
        {
            info.Environment["TMPDIR"] = tmpdir;
        }

        var process = Process.Start(info)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(token);
            return new Holder(process, line);
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    private sealed record Holder(Process Process, string? FirstLine) : IDisposable
    {
        public void KillIfRunning()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }
        }

        public void Dispose()
        {
            KillIfRunning();
            Process.Dispose();
        }
    }
}
