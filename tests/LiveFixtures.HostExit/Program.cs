using System.Globalization;
using System.Runtime.InteropServices;
using LiveFixtures;
using LiveFixtures.HostExit;
using LiveFixtures.Testing;

if (args is ["records", var store, var runId, var count])
{
    return RecordWriter.Run(store, runId, int.Parse(count, CultureInfo.InvariantCulture));
}

if (args is ["records-open", var openStore, var openRunId, var openCount])
{
    return RecordWriter.Run(openStore, openRunId, int.Parse(openCount, CultureInfo.InvariantCulture), stop: false);
}

if (args is ["marks", var markStore, var markRunId, var markFirst, var markStep, var markLast, var markStatus])
{
    return RecordWriter.Mark(markStore, markRunId, int.Parse(markFirst, CultureInfo.InvariantCulture), int.Parse(markStep, CultureInfo.InvariantCulture), int.Parse(markLast, CultureInfo.InvariantCulture), markStatus);
}

if (args is ["lease", var leased])
{
    // Holds a claim on the port until stdin closes (or the process is killed), and says whether it got it.
    using var lease = LiveFixtures.Launching.PortLease.Fixed(int.Parse(leased, CultureInfo.InvariantCulture));
    Console.WriteLine(lease.HoldsLock ? "holds" : "refused");
    Console.In.ReadToEnd();
    return 0;
}

if (args is ["summary"])
{
    // The end-of-run summary: fixtures' health as the handles record it, printed on standard error when the process exits.
    RunSummary.PrintAtExit();
    LiveFixtures.Records.RunHealth.Update("LiveGui", "run-s", health =>
    {
        health.Generations = 2;
        health.Deaths.Add(new LiveFixtures.Records.HealthDeath { Generation = 1, Cause = "exit code 134 (SIGABRT)", Test = "CrashTests.Crash_KillsTheApp" });
    });
    LiveFixtures.Records.RunHealth.Update("Db", "run-s", health => health.Generations = 1);
    Console.Error.WriteLine("last line of the host");
    return 0;
}

// A test host for what only a separate process can show (the containment tier is chosen once per process, from
// LIVEFIXTURES_CGROUP_ROOT): it starts apps through LiveFixtures, prints what the test needs ("pid:start" pairs),
// and then does what its mode says.
var mode = args.Length > 0 ? args[0] : "exit";
switch (mode)
{
    case "exit":
    {
        // Starts "sleep 300" (which itself starts nothing) and a shell with a setsid grandchild, prints their pids,
        // and returns without disposing the handles.
        var sleeper = new LiveProcessBuilder("/bin/sleep").WithArguments("300").Build();
        var shell = new LiveProcessBuilder("/bin/sh").WithArguments("-c", "setsid sleep 301 & echo child $!; exec sleep 302")
            .WithReadiness(Probe.OutputLine("^child "))
            .Build();
        var first = await sleeper.EnsureReadyAsync();
        var second = await shell.EnsureReadyAsync();
        Console.WriteLine($"pids {first.ProcessId} {second.ProcessId} {second.Output.Tail(1)[0].Text["child ".Length..]}");
        return 0;
    }

    case "sigterm":
    {
        // Owns a plain app, an app with a setsid grandchild and one whose grandchild escaped with env -i, then waits
        // for the test to send it SIGTERM.
        var sleeper = await new LiveProcessBuilder("/bin/sleep").WithArguments("300").Build().EnsureReadyAsync();
        var shell = await new LiveProcessBuilder("/bin/sh").WithArguments("-c", "setsid sleep 301 & echo child $!; exec sleep 302")
            .WithReadiness(Probe.OutputLine("^child "))
            .Build()
            .EnsureReadyAsync();
        // In the process-group tier the escape is seen (by the host and the watchdog) before it leaves: an orphan
        // that left before anyone looked is not told from a stranger's there (docs/process-tree.md).
        var release = Path.Combine(Path.GetTempPath(), $"livefixtures-release-{Environment.ProcessId}");
        var escape = await (Native.Fallback ? Escapes.LateBuilder(release) : Escapes.Builder()).Build().EnsureReadyAsync();
        await WatchdogLine.PrintAsync();
        if (Native.Fallback)
        {
            await Escapes.ReleaseAsync(release, Escapes.EscapedPid(escape), Environment.ProcessId, CancellationToken.None);
            File.Delete(release);
        }
        int[] pids = [sleeper.ProcessId, shell.ProcessId, int.Parse(shell.Output.Tail(1)[0].Text["child ".Length..]), escape.ProcessId, Escapes.EscapedPid(escape)];
        Console.WriteLine($"tier {escape.Containment}");
        Console.WriteLine($"pids {string.Join(' ', pids.Select(p => $"{p}:{OsProcess.StartTicks(p)}"))}");
        Console.WriteLine("ready");
        await Task.Delay(Timeout.Infinite);
        return 1;
    }

    case "live":
    {
        // Owns an app, then closes its pipe to the watchdog while it lives on: the watchdog must touch nothing until
        // the host has exited. Stops its app and exits when its standard input closes.
        var sleeper = new LiveProcessBuilder("/bin/sleep").WithArguments("300").Build();
        var generation = await sleeper.EnsureReadyAsync();
        Console.WriteLine($"tier {generation.Containment}");
        Console.WriteLine($"pids {generation.ProcessId}:{OsProcess.StartTicks(generation.ProcessId)}");
        await WatchdogLine.PrintAsync();
        LiveFixtures.Watchdog.RunWatchdog.CloseCommandPipe();
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        await sleeper.DisposeAsync();
        Console.WriteLine("stopped");
        return 0;
    }

    case "decoy-watchdog":
    {
        // Owns an app, and tells the watchdog of a generation whose pid is the decoy's (the test's own process, which
        // traps every signal) but whose start time is not: the watchdog must stop the app and never signal the decoy.
        // An offset of 0 (third argument) announces the decoy's true start time: then it is signalled (the check of
        // the check).
        var decoy = int.Parse(args[1], CultureInfo.InvariantCulture);
        var sleeper = new LiveProcessBuilder("/bin/sleep").WithArguments("300").Build();
        var generation = await sleeper.EnsureReadyAsync();
        LiveFixtures.Watchdog.RunWatchdog.Started(new LiveFixtures.Watchdog.WatchedGeneration(
            "decoy-cookie", decoy, OsProcess.StartTicks(decoy)!.Value + (args.Length > 2 ? ulong.Parse(args[2], CultureInfo.InvariantCulture) : 1), ContainmentTier.ProcessGroup, null, decoy, "Decoy", 1));
        Console.WriteLine($"tier {generation.Containment}");
        Console.WriteLine($"pids {generation.ProcessId}:{OsProcess.StartTicks(generation.ProcessId)}");
        await WatchdogLine.PrintAsync();
        Console.WriteLine("ready");
        await Task.Delay(Timeout.Infinite);
        return 1;
    }

    case "hold-fixed":
    {
        // Starts an app on a fixed port (waiting, bounded, for another host that holds it), says so, and holds it until
        // its standard input closes. The wait's messages go to standard output through the trace.
        System.Diagnostics.Trace.Listeners.Add(new System.Diagnostics.TextWriterTraceListener(Console.Out));
        System.Diagnostics.Trace.AutoFlush = true;
        var port = int.Parse(args[1], CultureInfo.InvariantCulture);
        await using var app = new LiveProcessBuilder("/bin/sleep").WithName("FixedPortApp").WithArguments("300").WithFixedPort(port)
            .WithMachineLeaseWait(TimeSpan.FromSeconds(int.Parse(args[2], CultureInfo.InvariantCulture))).Build();
        try
        {
            var generation = await app.EnsureReadyAsync();
            Console.WriteLine($"holding {Environment.ProcessId} {generation.ProcessId}");
        }
        catch (PortInUseException e)
        {
            Console.WriteLine($"failed {e.Message.ReplaceLineEndings(" ")}");
            return 3;
        }

        await Console.In.ReadToEndAsync();
        return 0;
    }

    case "crashloop-fixed":
    {
        // A crash-looping app on a fixed port: its first generation, then (after "go" on standard input) more generations,
        // each ended by a crash or a stop and started again 300 ms later, as a suite's next test would; it must keep
        // the port's machine-wide lease throughout, so it may not wait for it (a wait of zero). Says "end looped" or
        // "end failed ...", and lets the lease go when its standard input closes (the handle is disposed).
        System.Diagnostics.Trace.Listeners.Add(new System.Diagnostics.TextWriterTraceListener(Console.Out));
        System.Diagnostics.Trace.AutoFlush = true;
        var port = int.Parse(args[1], CultureInfo.InvariantCulture);
        var rounds = int.Parse(args[2], CultureInfo.InvariantCulture);
        var app = new LiveProcessBuilder("/bin/sh").WithName("CrashLoop").WithArguments("-c", "sleep 0.3; exit 3").WithFixedPort(port)
            .WithRestartBudget(1000, TimeSpan.FromMinutes(10)).WithMachineLeaseWait(TimeSpan.Zero).Build();
        await using (app)
        {
            Console.WriteLine($"generation {(await app.EnsureReadyAsync()).Number}");
            await Console.In.ReadLineAsync();
            try
            {
                for (var round = 0; round < rounds; round++)
                {
                    if (round % 2 == 0)
                    {
                        await app.StopAsync(TimeSpan.FromSeconds(1));
                    }

                    await Task.Delay(400); // a crash (the app exits after 300 ms) is noticed meanwhile
                    Console.WriteLine($"generation {(await app.EnsureReadyAsync()).Number}");
                }

                Console.WriteLine("end looped");
            }
            catch (PortInUseException e)
            {
                Console.WriteLine($"end failed {e.Message.ReplaceLineEndings(" ")}");
            }

            await Console.In.ReadToEndAsync();
        }

        Console.WriteLine("disposed");
        return 0;
    }

    case "escape":
    {
        // Stops an app whose grandchild escaped (double fork, setsid, env -i, SIGTERM ignored, pipes let go). In the
        // process-group tier the grandchild leaves after the generation was seen ready (see "sigterm").
        var release = Path.Combine(Path.GetTempPath(), $"livefixtures-release-{Environment.ProcessId}");
        var app = (Native.Fallback ? Escapes.LateBuilder(release) : Escapes.Builder()).Build();
        var generation = await app.EnsureReadyAsync();
        var escaped = Escapes.EscapedPid(generation);
        if (Native.Fallback)
        {
            await Escapes.ReleaseAsync(release, escaped, Environment.ProcessId, CancellationToken.None);
            File.Delete(release);
        }
        Console.WriteLine($"tier {generation.Containment}");
        Console.WriteLine($"containment {generation.ContainmentDetail}");
        Console.WriteLine($"escaped {escaped}:{OsProcess.StartTicks(escaped)}");
        var report = await app.StopAsync(TimeSpan.FromMilliseconds(300));
        Console.WriteLine($"report {report}");
        return 0;
    }

    case "decoy":
    {
        // The root dies and is reaped; a decoy takes its pid (forced through ns_last_pid) and leads a group of that
        // id; then the handle is stopped while the thread pool is starved. The decoy must receive no signal.
        var mark = Path.Combine(Path.GetTempPath(), $"livefixtures-decoy-{Environment.ProcessId}");
        File.Delete(mark);
        var app = new LiveProcessBuilder("/bin/sleep").WithArguments("600").WithRestartBudget(10, TimeSpan.FromMinutes(1)).Build();
        ThreadPool.GetMinThreads(out _, out var io);
        ThreadPool.SetMinThreads(1, io);
        ThreadPool.SetMaxThreads(Environment.ProcessorCount, io);
        System.Diagnostics.Process? decoy = null;
        ManualResetEventSlim gate = new(false);
        var root = 0;
        for (var round = 0; round < 5 && decoy?.Id != root; round++)
        {
            // A new generation each round: on a busy machine another process (or one of our own threads) may take
            // the freed pid before the decoy does.
            decoy?.Kill();
            gate.Set();
            var generation = await app.EnsureReadyAsync();
            root = generation.ProcessId;
            if (round == 0)
            {
                Console.WriteLine($"tier {generation.Containment}");
            }

            gate = new ManualResetEventSlim(false);
            for (var i = 0; i < Environment.ProcessorCount * 4; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(g => ((ManualResetEventSlim)g!).Wait(), gate);
            }

            Thread.Sleep(300);
            Native.Kill(root, 9);
            for (var i = 0; i < 500 && File.Exists($"/proc/{root}/stat"); i++)
            {
                Thread.Sleep(10); // until the runtime or the handle has reaped it
            }

            decoy = null;
            for (var attempt = 0; attempt < 50 && decoy?.Id != root && !File.Exists($"/proc/{root}/stat"); attempt++)
            {
                if (decoy is not null)
                {
                    decoy.Kill();
                    decoy.WaitForExit();
                }

                File.WriteAllText("/proc/sys/kernel/ns_last_pid", (root - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                // Its own pipes: holding the host's stdout would keep the test waiting for its end.
                var info = new System.Diagnostics.ProcessStartInfo("/usr/bin/setsid") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in new[] { "/bin/sh", "-c", $"trap 'echo $0 >> {mark}' TERM HUP INT QUIT; while :; do sleep 0.05; done" })
                {
                    info.ArgumentList.Add(arg);
                }

                decoy = System.Diagnostics.Process.Start(info)!;
            }
        }

        if (decoy?.Id != root)
        {
            decoy?.Kill();
            gate.Set();
            Console.WriteLine($"decoy could not take the pid {root} in 5 rounds (last decoy {decoy?.Id}, pid {root} is {(File.Exists($"/proc/{root}/stat") ? File.ReadAllText($"/proc/{root}/stat") : "free")})");
            return 0;
        }

        var decoyStart = OsProcess.StartTicks(root);
        Console.WriteLine($"decoy {root}:{decoyStart}");
        var stop = app.StopAsync(TimeSpan.FromSeconds(1));
        gate.Set();
        var report = await stop;
        Thread.Sleep(300);
        var signalled = File.Exists(mark) ? "signalled" : "not signalled";
        Console.WriteLine($"outcome {(OsProcess.IsRunning(root, decoyStart!.Value) ? "alive" : "dead")} {signalled}; {report}");
        decoy!.Kill(entireProcessTree: true);
        File.Delete(mark);
        return 0;
    }

    case "killme":
    {
        // Owns apps all named "Leftover" (records in the store named by LIVEFIXTURES_STATE_DIR): a plain app, an app
        // with a setsid grandchild and, with "escape", an app whose grandchild escaped with env -i; then waits to be
        // killed with SIGKILL, which runs no handler: what it owns is left for the next run's sweep.
        var sleeper = await new LiveProcessBuilder("/bin/sleep").WithName("Leftover").WithArguments("300").Build().EnsureReadyAsync();
        var shell = await new LiveProcessBuilder("/bin/sh").WithName("Leftover").WithArguments("-c", "setsid sleep 301 & echo child $!; exec sleep 302")
            .WithReadiness(Probe.OutputLine("^child "))
            .Build()
            .EnsureReadyAsync();
        List<int> pids = [sleeper.ProcessId, shell.ProcessId, int.Parse(shell.Output.Tail(1)[0].Text["child ".Length..], CultureInfo.InvariantCulture)];
        if (args.Contains("escape"))
        {
            var escape = await Escapes.Builder().WithName("Leftover").Build().EnsureReadyAsync();
            pids.AddRange([escape.ProcessId, Escapes.EscapedPid(escape)]);
        }

        LiveFixtures.Records.RunRecorder.Current.Flush();
        if (Environment.GetEnvironmentVariable("LIVEFIXTURES_WATCHDOG") is null)
        {
            await WatchdogLine.PrintAsync();
        }

        Console.WriteLine($"tier {sleeper.Containment}");
        Console.WriteLine($"run {LiveFixtures.Records.RunRecorder.Current.RunId}");
        Console.WriteLine($"pids {string.Join(' ', pids.Select(p => $"{p}:{OsProcess.StartTicks(p)}"))}");
        Console.WriteLine("ready");
        await Task.Delay(Timeout.Infinite);
        return 1;
    }

    case "port":
    {
        // Owns "Holder", a listener on the fixed port given, and waits (for SIGKILL, or SIGTERM to end cleanly).
        var port = int.Parse(args[1], CultureInfo.InvariantCulture);
        var holder = await new LiveProcessBuilder("/usr/bin/python3").WithName("Holder")
            .WithArguments("-m", "http.server", "--bind", "127.0.0.1", "{port}")
            .WithFixedPort(port)
            .WithReadiness(Probe.Tcp())
            .Build()
            .EnsureReadyAsync();
        LiveFixtures.Records.RunRecorder.Current.Flush();
        Console.WriteLine($"tier {holder.Containment}");
        Console.WriteLine($"pids {holder.ProcessId}:{OsProcess.StartTicks(holder.ProcessId)}");
        Console.WriteLine("ready");
        await Task.Delay(Timeout.Infinite);
        return 1;
    }

    case "run":
    {
        // A whole run as a suite makes it, ending normally: "Crashy" is crashed (SIGABRT) during a tracked test,
        // respawned, then left to the host's exit. Prints the run id and the end-of-run summary lines.
        var logs = args.Length > 1 ? args[1] : Path.GetTempPath();
        var crashy = new LiveProcessBuilder("/bin/sh").WithName("Crashy")
            .WithArguments("-c", "echo ready; while [ ! -e \"$1/crash\" ]; do sleep 0.02; done; echo crashing; kill -ABRT $$", "crashy", "{workspace}", "--token=hunter2")
            .WithSecret("hunter2")
            .WithWorkspace()
            .WithLogDirectory(logs)
            .WithReadiness(Probe.OutputLine("^ready"))
            .Build();
        var first = await crashy.EnsureReadyAsync();
        using (crashy.TrackTest("CrashingTests.Crash_KillsTheSharedApp"))
        {
            var died = crashy.WhenExited;
            File.WriteAllText(Path.Combine(first.WorkspacePath!, "crash"), "");
            await died;
        }

        var second = await crashy.EnsureReadyAsync();
        Console.WriteLine($"run {LiveFixtures.Records.RunRecorder.Current.RunId}");
        Console.WriteLine($"generations {first.ProcessId} {second.ProcessId}");
        foreach (var line in LiveFixtures.Records.RunHealth.SummaryLines())
        {
            Console.WriteLine($"summary {line}");
        }

        return 0;
    }

    case "session":
    {
        // The app's child leads a session of its own and is seen there when the generation is ready; only after that
        // does it start a double fork that drops its environment and the pipes: that orphan was never seen, but it is
        // in the session of a member that was, and that still lives. The stop must kill it.
        var release = Path.Combine(Path.GetTempPath(), $"livefixtures-release-{Environment.ProcessId}");
        var script = Path.Combine(Path.GetTempPath(), $"livefixtures-session-{Environment.ProcessId}.sh");
        File.WriteAllText(script, """
            setsid /bin/sh -c '
              echo leader $$
              while [ ! -e "$1" ]; do sleep 0.02; done
              /bin/sh -c "env -i /bin/sleep 600 </dev/null >/dev/null 2>&1 & echo escaped \$!"
              exec /bin/sleep 600' leader "$1" &
            exec /bin/sleep 601
            """);
        var app = new LiveProcessBuilder("/bin/sh").WithName("SessionEscape").WithArguments(script, release)
            .WithReadiness(Probe.OutputLine("^leader ")).Build();
        var generation = await app.EnsureReadyAsync();
        Console.WriteLine($"tier {generation.Containment}");
        var mark = generation.Output.Mark();
        File.WriteAllText(release, "");
        await app.WaitForOutputAsync(new System.Text.RegularExpressions.Regex("^escaped "), mark, TimeSpan.FromSeconds(30));
        var escaped = Escapes.EscapedPid(generation);
        for (var i = 0; i < 1000 && Escapes.ParentOf(escaped) != Environment.ProcessId; i++)
        {
            Thread.Sleep(10); // until its parent has exited and it came back to this host
        }

        var leader = int.Parse(generation.Output.Tail(int.MaxValue).First(l => l.Text.StartsWith("leader ", StringComparison.Ordinal)).Text["leader ".Length..], CultureInfo.InvariantCulture);
        Console.WriteLine($"escaped {escaped}:{OsProcess.StartTicks(escaped)} parent {Escapes.ParentOf(escaped)} session-leader {leader}");
        var report = await app.StopAsync(TimeSpan.FromMilliseconds(300));
        Console.WriteLine($"report {report}");
        File.Delete(release);
        File.Delete(script);
        return 0;
    }

    case "foreign":
    {
        // One generation runs while this host itself (not LiveFixtures) starts a program whose grandchild escapes by a
        // double fork, setsid and env -i: the orphan comes back to this host, its subreaper in the process-group tier,
        // but it is not LiveFixtures'. Neither the generation's stop nor the host's exit (with a second generation
        // left open) may signal it; the test ends it.
        var first = new LiveProcessBuilder("/bin/sleep").WithName("First").WithArguments("300").Build();
        var generation = await first.EnsureReadyAsync();
        Console.WriteLine($"tier {generation.Containment}");
        await WatchdogLine.PrintAsync();
        var (foreign, foreignStart) = StartForeignEscape();
        Console.WriteLine($"foreign {foreign}:{foreignStart} parent {Escapes.ParentOf(foreign)} host {Environment.ProcessId}");
        var report = await first.StopAsync(TimeSpan.FromMilliseconds(300));
        Console.WriteLine($"report {report}");
        Console.WriteLine($"after-stop {(OsProcess.IsRunning(foreign, foreignStart) ? "alive" : "dead")}");

        // A second generation left open for the host's exit, and a second stranger started while it runs.
        var second = await new LiveProcessBuilder("/bin/sleep").WithName("Second").WithArguments("301").Build().EnsureReadyAsync();
        var (late, lateStart) = StartForeignEscape();
        Console.WriteLine($"pids {second.ProcessId}:{OsProcess.StartTicks(second.ProcessId)}");
        Console.WriteLine($"foreign-late {late}:{lateStart} parent {Escapes.ParentOf(late)}");
        return 0;

        static (int Pid, ulong Start) StartForeignEscape()
        {
            var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("/usr/bin/setsid /bin/sh -c 'trap \"\" TERM; env -i /bin/sleep 600 </dev/null >/dev/null 2>&1 & echo $!'");
            int pid;
            using (var program = System.Diagnostics.Process.Start(info)!)
            {
                pid = int.Parse(program.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
                program.WaitForExit();
            }

            for (var i = 0; i < 1000 && Escapes.ParentOf(pid) != Environment.ProcessId; i++)
            {
                Thread.Sleep(10); // until its parent has exited and it came back to this host
            }

            return (pid, OsProcess.StartTicks(pid)!.Value);
        }
    }

    case "daemons":
    {
        // Daemons that leave every mark but their port (setsid, standard streams to /dev/null, environment dropped or
        // overwritten): one of a running generation, one of a failed start that binds its leased port only after the
        // stop had looked, and a stranger this host starts itself that listens on a port never leased. Then this host
        // exits ("exit") or waits to be SIGKILLed by the test ("kill"), so that its exit path or its watchdog acts.
        var redis = args[2];
        var dir = Directory.CreateTempSubdirectory("livefixtures-daemons").FullName;
        Console.WriteLine($"dir {dir}");

        // A running generation whose daemon listens on the generation's port while its root sleeps.
        var running = new LiveProcessBuilder("/bin/sh").WithName("RunningDaemon")
            .WithArguments(["-c", "\"$0\" \"$@\"; exec /bin/sleep 600", redis, .. Redis(0, "running", daemonize: true, port: "{port}")])
            .WithPort().WithReadiness(Probe.Tcp()).Build();
        var generation = await running.EnsureReadyAsync();
        Console.WriteLine($"tier {generation.Containment}");
        Console.WriteLine($"running {await DaemonAsync(Path.Combine(dir, "running.pid"), generation.Ports.Values.Single())}");

        await WatchdogLine.PrintAsync();

        // The stranger (its orphan comes back to this host, the subreaper in the process-group tier): a port from the ephemeral range, which LiveFixtures never leases.
        int strangerPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            strangerPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var strangerInfo = new System.Diagnostics.ProcessStartInfo(redis) { RedirectStandardOutput = true };
        foreach (var arg in Redis(strangerPort, "stranger", daemonize: true))
        {
            strangerInfo.ArgumentList.Add(arg);
        }

        using (var stranger = System.Diagnostics.Process.Start(strangerInfo)!)
        {
            stranger.WaitForExit();
        }

        Console.WriteLine($"stranger {await DaemonAsync(Path.Combine(dir, "stranger.pid"), strangerPort)}");

        // A failed start whose daemon (environment dropped, own session) binds its leased port a second later.
        var late = new LiveProcessBuilder("/bin/sh").WithName("LateDaemon")
            .WithArguments(["-c", "echo {port} > \"$0\"; /usr/bin/setsid /usr/bin/env -i /bin/sh -c 'sleep 1.5; exec \"$0\" \"$@\"' \"$@\" </dev/null >/dev/null 2>&1 & exit 0",
                Path.Combine(dir, "late.port"), redis, .. Redis(0, "late", daemonize: false, port: "{port}")])
            .WithPort().WithReadiness(Probe.OutputLine("never printed")).Build();
        try
        {
            await late.EnsureReadyAsync();
        }
        catch (LiveProcessStartException e)
        {
            Console.WriteLine($"late-start-failed {e.Message.Split('.')[0]}");
        }

        var latePort = int.Parse(File.ReadAllText(Path.Combine(dir, "late.port")).Trim(), CultureInfo.InvariantCulture);
        Console.WriteLine($"late {await DaemonAsync(Path.Combine(dir, "late.pid"), latePort)}");
        await LiveFixtures.Watchdog.RunWatchdog.SyncAsync(TimeSpan.FromSeconds(10)); // the watchdog has looked since the late daemon listens
        Console.WriteLine("ready");
        if (args[1] == "kill")
        {
            Console.In.ReadToEnd(); // until the test kills this host
        }

        return 0;

        string[] Redis(int number, string name, bool daemonize, string? port = null) =>
            ["--port", port ?? number.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", daemonize ? "yes" : "no", "--dir", dir, "--pidfile", Path.Combine(dir, $"{name}.pid")];

        static async Task<string> DaemonAsync(string pidFile, int port)
        {
            // Until the daemon wrote its pid and listens on its port (30 s at most).
            for (var i = 0; i < 3000; i++)
            {
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid) && OsProcess.StartTicks(pid) is { } start)
                {
                    try
                    {
                        using var client = new System.Net.Sockets.TcpClient();
                        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                        return $"{pid}:{start} port {port} parent {Escapes.ParentOf(pid)}";
                    }
                    catch (System.Net.Sockets.SocketException)
                    {
                    }
                }

                await Task.Delay(10);
            }

            return $"none: no daemon listens on port {port}";
        }
    }

    default:
        Console.Error.WriteLine($"unknown mode {mode}: use exit, sigterm, live, decoy-watchdog, hold-fixed, escape, decoy, killme, port, run, foreign or daemons");
        return 2;
}

internal static partial class Native
{
    /// <summary>Gets whether this host is forced to the process-group tier (LIVEFIXTURES_CGROUP_ROOT set, as HostRun does for "fallback").</summary>
    public static bool Fallback => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("LIVEFIXTURES_CGROUP_ROOT"));

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
