using System.Diagnostics;
using System.Text.RegularExpressions;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>
/// An app that daemonizes (forks into the background and lets the process LiveFixtures started exit with 0): the start
/// fails once, says that it daemonized and what to do, and leaves no daemon behind. Real programs where installed
/// (.ci/run installs nginx and redis-server), and a shell that backgrounds a child everywhere.
/// </summary>
public sealed class LiveProcessDaemonizeTests
{
    private const string MarkName = "DAEMONIZE_TEST_MARK";

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_ShellBackgroundsAChildAndExitsWith0_SaysItDaemonizedAndKillsTheChild()
    {
        var mark = Guid.NewGuid().ToString("N");
        try
        {
            await using var app = new LiveProcessBuilder("/bin/sh")
                .WithArguments("-c", "sleep 60 & echo forked; exit 0")
                .WithEnvironment(MarkName, mark)
                .WithReadiness(Probe.OutputLine("never printed"))
                .Build();

            var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

            Assert.True(AssertSaysItDaemonized(error), "a child left in the generation's process group is seen in every tier");
            Assert.Empty(Ours(mark));
        }
        finally
        {
            KillOurs(mark);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task EnsureReadyAsync_RedisWithDaemonizeYes_FailsOnceSayingItDaemonizedAndLeavesNoDaemon()
    {
        var redis = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(redis is null, "redis-server is not installed (.ci/run installs it with apt-get).");
        // redis writes its process title over its environment: its working directory (--dir) is what names it as ours.
        var dir = Directory.CreateTempSubdirectory("livefixtures-daemonize").FullName;
        try
        {
            var app = new LiveProcessBuilder(redis!)
                .WithArguments("--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "yes", "--dir", dir, "--pidfile", Path.Combine(dir, "redis.pid"))
                .WithPort()
                .WithReadiness(Probe.Tcp())
                .Build();

            await using var scope = app;
            var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

            // The process-group tier knows the daemon by the leased port it listens on, once it listens.
            AssertSaysItDaemonized(error);
            Assert.Contains("--daemonize no", error.Message, StringComparison.Ordinal);
            Assert.Empty(Ours(dir));
            await app.DisposeAsync();
            Assert.Empty(Ours(dir));
        }
        finally
        {
            KillOurs(dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task EnsureReadyAsync_NginxWithoutDaemonOff_FailsOnceSayingItDaemonizedAndLeavesNoDaemon()
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(nginx is null, "nginx is not installed (.ci/run installs it with apt-get).");
        // nginx writes its process title over its environment too: its master keeps its arguments (a mark in -g names it),
        // its worker's title carries no mark, so both run in a folder of the test's own (a worker keeps it when its master
        // is gone).
        var mark = Directory.CreateTempSubdirectory("livefixtures-nginx").FullName;
        try
        {
            // The nginx example of the docs without its 'daemon off;' line.
            var app = new LiveProcessBuilder(nginx!)
                .WithFile("nginx.conf", """
                    worker_processes 1;
                    pid {workspace}/nginx.pid;
                    error_log {workspace}/error.log;
                    events { }
                    http {
                        access_log {workspace}/access.log;
                        client_body_temp_path {workspace}/client_body;
                        proxy_temp_path {workspace}/proxy;
                        fastcgi_temp_path {workspace}/fastcgi;
                        uwsgi_temp_path {workspace}/uwsgi;
                        scgi_temp_path {workspace}/scgi;
                        server { listen 127.0.0.1:{port}; location / { return 200 "ok\n"; } }
                    }
                    """)
                .WithArguments("-p", "{workspace}", "-e", "{workspace}/error.log", "-c", "{workspace}/nginx.conf", "-g", $"env {MarkName}={mark};")
                .WithWorkingDirectory(mark)
                .WithPort()
                .WithBaseAddress("http://127.0.0.1:{port}/")
                .WithReadiness(Probe.Http("/"))
                .Build();

            await using var scope = app;
            var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

            // The process-group tier knows the daemon by the leased port it listens on, once it listens.
            AssertSaysItDaemonized(error);
            Assert.Contains("daemon off;", error.Message, StringComparison.Ordinal);
            Assert.Empty(Ours(mark));
            await app.DisposeAsync();
            Assert.Empty(Ours(mark));
        }
        finally
        {
            KillOurs(mark);
            Directory.Delete(mark, recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_AppPrintsUsageAndExitsWith0_IsNotRetriedAndSaysToRunItByHand()
    {
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithArguments("-c", "echo 'usage: app [--port N]'; exit 0")
            .WithReadiness(Probe.OutputLine("never printed"))
            .Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Contains("exit code 0.", error.Message, StringComparison.Ordinal);
        Assert.Contains("usage: app", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run the same command by hand", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("This was attempt", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("it daemonized", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Death!.Generation);
    }

    /// <summary>
    /// Asserts what every tier says of a start whose root exited with 0 while it had forked, and returns whether the
    /// message names the daemon. The cgroup tier sees every process the app left, so it always must. The process-group
    /// tier knows a daemon that called setsid, redirected its standard streams and wrote its process title over its
    /// environment (redis-server, nginx) only by the leased port it listens on, which it may bind after the failed start
    /// counted what was left (docs/process-tree.md); the message then still names daemonizing among the causes.
    /// </summary>
    private static bool AssertSaysItDaemonized(LiveProcessStartException error)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);
        // An exit with 0 is the app's own decision: not retried as if it were transient.
        Assert.DoesNotContain("This was attempt", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Death!.Generation);
        Assert.Equal(0, error.Death.ExitCode);
        var named = Regex.IsMatch(error.Message, @"exit code 0, leaving \d+ process(es)? of it running in the background: it daemonized");
        if (named)
        {
            Assert.Contains("Start the app in the foreground", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.NotEqual(ContainmentTier.Cgroup, global::LiveFixtures.Containment.RunContainment.Current.Tier);
            Assert.Contains("or daemonized (forked into the background", error.Message, StringComparison.Ordinal);
        }

        return named;
    }

    /// <summary>
    /// The pids of the living processes that carry this test's mark in their environment or arguments, or run in its
    /// folder, and of everything below them (nginx's workers carry no mark: their title is written over it).
    /// </summary>
    private static List<int> Ours(string mark)
    {
        var found = Marked(mark);
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && ParentOf(dir) is { } parent)
            {
                parents[pid] = parent;
            }
        }

        for (var grew = true; grew;)
        {
            var below = parents.Where(p => found.Contains(p.Value) && !found.Contains(p.Key) && OsProcess.IsRunning(p.Key)).Select(p => p.Key).ToList();
            found.AddRange(below);
            grew = below.Count > 0;
        }

        return found;
    }

    private static int? ParentOf(string dir)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(dir, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return null; // gone
        }
    }

    private static List<int> Marked(string mark)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environment = File.ReadAllText(Path.Combine(dir, "environ"));
                var arguments = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget ?? "";
                if ((environment.Split('\0').Contains($"{MarkName}={mark}") || arguments.Contains(mark, StringComparison.Ordinal) || cwd == mark)
                    && OsProcess.IsRunning(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>Kills what a failed test left: only processes that carry this test's own mark.</summary>
    private static void KillOurs(string mark)
    {
        foreach (var pid in Ours(mark))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }
}
