using System.Globalization;
using LiveFixtures;
using LiveFixtures.HostExit;

if (args is ["records", var store, var runId, var count])
{
    return RecordWriter.Run(store, runId, int.Parse(count, CultureInfo.InvariantCulture));
}

if (args is ["lease", var leased])
{
    // Holds a claim on the port until stdin closes (or the process is killed), and says whether it got it.
    using var lease = LiveFixtures.Launching.PortLease.Fixed(int.Parse(leased, CultureInfo.InvariantCulture));
    Console.WriteLine(lease.HoldsLock ? "holds" : "refused");
    Console.In.ReadToEnd();
    return 0;
}

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
