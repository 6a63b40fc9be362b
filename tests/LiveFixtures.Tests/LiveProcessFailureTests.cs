using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

public sealed class LiveProcessFailureTests
{

    [Fact(Timeout = 30_000)]
    public async Task EnsureReadyAsync_AppExitsWhileStarting_FailsAtOnceWithExitCodeAndOutput()
    {
        await using var app = TestAppPaths.Builder("--exit-during-startup", "3").WithStartupTimeout(TimeSpan.FromMinutes(5)).Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Contains("exited while starting (during test '", error.Message, StringComparison.Ordinal);
        Assert.Contains("): exit code 3.", error.Message, StringComparison.Ordinal);
        Assert.Contains("fatal: startup failed", error.Message, StringComparison.Ordinal);
        Assert.Equal(DeathCause.FailedToStart, error.Death!.Cause);
        Assert.Equal(LiveProcessState.Dead, app.State);
    }

    [Fact(Timeout = 30_000)]
    public async Task EnsureReadyAsync_SystemProgramDiesDuringReadinessWait_ReportsSignal()
    {
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "echo booting; sleep 0.2; kill -SEGV $$")
            .WithReadiness(Probe.OutputLine("never printed"))
            .Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Contains("exit code 139 (SIGSEGV)", error.Message, StringComparison.Ordinal);
        Assert.Contains("booting", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task EnsureReadyAsync_NeverReady_TimesOutWithProbeResultAndKills()
    {
        await using var app = new LiveProcessBuilder("/bin/sleep")
            .WithArguments("60")
            .WithPort()
            .WithReadiness(Probe.Tcp())
            .WithStartupTimeout(TimeSpan.FromMilliseconds(700))
            .Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Contains("did not become ready within 700 ms", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
        Assert.False(OsProcess.IsRunning(error.Death!.ProcessId));
    }

    [Fact(Timeout = 30_000)]
    public async Task WaitForOutputAsync_ProcessDiesDuringWait_FailsAtOnceNotByTimeout()
    {
        await using var app = TestAppPaths.Builder().Build();
        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);
        var waiting = app.WaitForOutputAsync(new Regex("never printed"), timeout: TimeSpan.FromMinutes(5), cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };

        await LiveProcessLifecycleTests.PostIgnoringDisconnectAsync(http, "exit/42");
        var error = await Assert.ThrowsAsync<LiveProcessDiedException>(() => waiting);

        Assert.Equal(42, error.Death.ExitCode);
        Assert.Contains("exit code 42", error.Message, StringComparison.Ordinal);
        Assert.Contains("exiting with 42", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task EnsureReadyAsync_FixedPortBusy_NamesHolderPidAndCommandLine()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var app = TestAppPaths.Builder().WithFixedPort("hook", port).Build();

        var error = await Assert.ThrowsAsync<PortInUseException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Equal(port, error.Port);
        Assert.Equal(Environment.ProcessId, error.HolderProcessId);
        Assert.Contains($"port {port}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", error.Message, StringComparison.Ordinal);
        // The holder is this test host: the message says so, and never tells the reader to kill the host.
        Assert.Contains("in use by this test host itself", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kill ", error.Message, StringComparison.Ordinal);
        Assert.Null(app.ProcessId);
    }

    [Fact]
    public void Build_EveryBadInput_ReportsEachProblemWithItsFixInOneException()
    {
        var notExecutable = Path.GetTempFileName();
        try
        {
            var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder(notExecutable)
                .WithWorkingDirectory("/no/such/dir")
                .WithStartupTimeout(TimeSpan.Zero)
                .WithArguments("--x", "{prot}")
                .WithFixedPort(70000)
                .WithReadiness(Probe.Http("http://127.0.0.1:{port}:bad/health"))
                .WithLiveness(Probe.Http("/health"))
                .Build());

            Assert.Contains(error.Problems, p => p.Contains("is not executable", StringComparison.Ordinal) && p.Contains("chmod +x", StringComparison.Ordinal));
            Assert.Contains(error.Problems, p => p.Contains("/no/such/dir does not exist", StringComparison.Ordinal));
            Assert.Contains(error.Problems, p => p.Contains("startup timeout", StringComparison.Ordinal));
            Assert.Contains(error.Problems, p => p.Contains("unknown placeholder {prot}", StringComparison.Ordinal));
            Assert.Contains(error.Problems, p => p.Contains("70000", StringComparison.Ordinal) && p.Contains("1 to 65535", StringComparison.Ordinal));
            Assert.Contains(error.Problems, p => p.Contains("not a valid absolute http(s) URL", StringComparison.Ordinal));
            Assert.Contains(error.Problems, p => p.Contains("no base address", StringComparison.Ordinal));
            Assert.Equal(7, error.Problems.Count);
        }
        finally
        {
            File.Delete(notExecutable);
        }
    }

    [Fact]
    public void Build_MissingExecutable_SaysWhereItLooked()
    {
        var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("no-such-program-xyz").Build());
        var relative = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("./bin/nothing").Build());

        Assert.Contains("not found on PATH (looked in", error.Message, StringComparison.Ordinal);
        var looked = error.Message[(error.Message.IndexOf("(looked in ", StringComparison.Ordinal) + 11)..error.Message.IndexOf(").", StringComparison.Ordinal)].Split(", ");
        Assert.Equal(looked.Distinct(StringComparer.Ordinal), looked); // a folder PATH names twice is listed once
        Assert.Contains("looked at " + Path.GetFullPath("./bin/nothing"), relative.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownOrUndeclaredPlaceholders_AreNamed()
    {
        var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("/bin/true")
            .WithArguments("{port:hook}", "{workspace}", "{oops")
            .WithEnvironment("LIVEFIXTURES_X", "1")
            .Build());

        Assert.Contains(error.Problems, p => p.Contains("no port named 'hook'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("WithWorkspace()", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("never closed", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("reserved", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_RelativeWorkingDirectoryAndRelativeCommand_ResolvesAgainstIt()
    {
        var dir = Directory.CreateTempSubdirectory("livefixtures-wd");
        try
        {
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, dir.FullName);

            var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("./app").WithWorkingDirectory(relative).Build());

            Assert.Contains("looked at " + Path.Combine(dir.FullName, "app"), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete();
        }
    }

    [Fact]
    public void Build_ValueKnownOnlyAfterStartUsedInArguments_IsRejected()
    {
        var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("/bin/true")
            .WithArguments("{match:url}", "{port}")
            .WithPortFromOutput()
            .WithReadiness(Probe.OutputLine(@"on (?<port>\d+)"))
            .Build());

        Assert.Contains(error.Problems, p => p.Contains("{match:url}", StringComparison.Ordinal) && p.Contains("only once the app is running", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("read from the app's output", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_TcpProbeOnAPortNeverDeclared_NamesThePortAndTheFix()
    {
        var named = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("/bin/true")
            .WithPort("api")
            .WithReadiness(Probe.Tcp("web"))
            .Build());
        var forgotten = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("/bin/true")
            .WithLiveness(Probe.Tcp())
            .Build());

        var problem = Assert.Single(named.Problems);
        Assert.Contains("The readiness probe connects to the port 'web'", problem, StringComparison.Ordinal);
        Assert.Contains("add WithPort(\"web\")", problem, StringComparison.Ordinal);
        Assert.Contains("The liveness probe connects to the port 'port'", Assert.Single(forgotten.Problems), StringComparison.Ordinal);
        Assert.Contains("add WithPort() for a free port", forgotten.Problems[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TcpProbeOnAPortTheAppPrints_IsAccepted()
    {
        var fromOutput = new LiveProcessBuilder("/bin/true")
            .WithPortFromOutput("web")
            .WithReadiness(Probe.All(Probe.OutputLine(@"on (?<web>\d+)"), Probe.Tcp("web")))
            .WithLiveness(Probe.Tcp("web"));
        var groupOnly = new LiveProcessBuilder("/bin/true")
            .WithReadiness(Probe.All(Probe.OutputLine(@"on (?<web>\d+)"), Probe.Tcp("web")));

        fromOutput.Build();
        groupOnly.Build();
    }

    [Fact]
    public void Build_FolderGivenAsTheCommand_SaysItIsAFolderNotMissing()
    {
        var folder = Directory.CreateTempSubdirectory("livefixtures-command-");
        try
        {
            var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder(folder.FullName).Build());

            var problem = Assert.Single(error.Problems);
            Assert.Contains($"The command '{folder.FullName}' is the folder {folder.FullName}, not a program", problem, StringComparison.Ordinal);
            Assert.DoesNotContain("not found", problem, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete();
        }
    }
}
