using System.Globalization;
using System.Net;
using LiveFixtures.TestApp;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

// The test library reads our output through pipes: every line must leave at once.
Console.SetOut(TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true }));
Console.SetError(TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true }));

TestAppOptions options;
try
{
    options = TestAppOptions.Parse(args, Environment.GetEnvironmentVariable("TESTAPP_PORT"));
}
catch (FormatException exception)
{
    Console.Error.WriteLine($"error: {exception.Message} Fix the command line; exiting with code 2.");
    Console.Error.WriteLine(TestAppOptions.Usage);
    return 2;
}

Console.WriteLine(options.StartupDelayMs > 0 ? $"starting (delay {options.StartupDelayMs} ms)" : "starting");
if (options.NoisePerSecond > 0)
{
    _ = Task.Run(() => Noise.RunAsync(options.NoisePerSecond));
}

if (options.StateDir is { } stateDir)
{
    Directory.CreateDirectory(stateDir);
    if (File.Exists(Path.Combine(stateDir, "half-written.tmp")))
    {
        Console.WriteLine("found stale file half-written.tmp");
    }

    File.WriteAllText(Path.Combine(stateDir, "app.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
}

await Task.Delay(options.StartupDelayMs);
if (options.ExitDuringStartup is { } startupExitCode)
{
    Console.Error.WriteLine("fatal: startup failed (requested)");
    return startupExitCode;
}

// No args: our options are not configuration keys.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
builder.Logging.ClearProviders();
builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddSingleton<IHostLifetime, ManualHostLifetime>();

await using var app = builder.Build();
var hooks = new HookServer(options);
hooks.Map(app);
using var signals = new SignalHandlers(options, app.Lifetime);

app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
    hooks.Port = new Uri(addresses.Addresses.First()).Port;
    var flood = options.StderrFlood > 0 ? StderrFlood.Start(options.StderrFlood) : null;
    Console.WriteLine($"TestApp ready on http://127.0.0.1:{hooks.Port} pid {Environment.ProcessId}");
    flood?.ReadyPrinted();
});

var inFlightAtShutdown = 0;
app.Lifetime.ApplicationStopping.Register(() =>
{
    inFlightAtShutdown = hooks.Work.BeginStopping();
    Console.WriteLine($"shutting down ({inFlightAtShutdown} in-flight)");
    // Our own token, not ApplicationStopping: its callbacks run last-registered first, so work
    // linked to it would be cancelled (and uncounted) before this callback ran.
    hooks.Work.CancelAll();
    // Event streams end only after the cancelled work has published its events.
    hooks.Work.Drained.ContinueWith(_ => hooks.Events.Complete(), TaskScheduler.Default);
});

try
{
    await app.RunAsync();
}
catch (IOException exception)
{
    Console.Error.WriteLine($"fatal: cannot listen on 127.0.0.1:{options.Port}: {exception.Message}");
    return 1;
}

// Kestrel gives up on open requests after the shutdown timeout; the app itself waits for its work.
await hooks.Work.Drained;
Console.WriteLine($"drained {inFlightAtShutdown} in-flight");
return 0;
