using System.Diagnostics;
using System.Globalization;

namespace LiveFixtures.TestApp;

/// <summary>Maps the hook endpoints that test suites use to drive the app.</summary>
internal sealed class HookServer(TestAppOptions options)
{
    private readonly ClickWorkerPool _pool = new(options.CrashAfterClicks);
    private readonly DateTimeOffset _startedAt = TimeProvider.System.GetUtcNow();
    private volatile bool _hanging;
    private int _nextWorkId;

    public EventHub Events { get; } = new();

    public WorkTracker Work { get; } = new();

    public int Port { get; set; }

    public void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (_hanging)
            {
                // A hung app: the request is accepted and never answered, not even on shutdown.
                await Task.Delay(Timeout.InfiniteTimeSpan, CancellationToken.None);
            }

            await next(context);
        });

        app.MapGet("/health", () => _pool.IsShutDown
            ? Results.Text($"degraded: {ClickWorkerPool.ShutDownMessage}", statusCode: 503)
            : Results.Text("ok"));
        app.MapPost("/click/{button}", ClickAsync);
        app.MapGet("/state", () => Results.Json(new
        {
            pid = Environment.ProcessId,
            clicks = _pool.Clicks,
            buttons = _pool.Buttons,
            degraded = _pool.IsShutDown,
            port = Port,
            startedAt = _startedAt,
        }));
        app.MapPost("/crash", () =>
        {
            NativeCrash.AbortSoon();
            return Results.Text("crashing");
        });
        app.MapPost("/exit/{code:int}", Exit);
        app.MapPost("/degrade", () =>
        {
            Console.Error.WriteLine("degraded: worker pool shut down");
            _pool.ShutDown();
            return Results.Text("degraded");
        });
        app.MapPost("/hang", () =>
        {
            _hanging = true;
            Console.WriteLine("hanging");
            return Results.Text("hanging");
        });
        app.MapPost("/flood", (int? lines) =>
        {
            var count = Math.Clamp(lines ?? 10_000, 1, 10_000_000);
            for (var i = 1; i <= count; i++)
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"flood {i} of {count} lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor"));
            }

            return Results.Text(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"flooded {count}"));
        });
        app.MapPost("/spawn-child", SpawnChild);
        app.MapPost("/work", WorkAsync);
        app.MapGet("/events", (HttpContext context) => Events.StreamAsync(context.Response, context.RequestAborted));
    }

    private async Task<IResult> ClickAsync(string button)
    {
        try
        {
            var clicks = await _pool.ClickAsync(button);
            return Results.Json(new { clicks });
        }
        catch (InvalidOperationException exception)
        {
            return Results.Text(exception.Message, statusCode: 500);
        }
    }

    private static IResult Exit(int code)
    {
        if (code is < 0 or > 255)
        {
            return Results.Text($"Exit code {code} is outside 0..255.", statusCode: 400);
        }

        Console.WriteLine($"exiting with {code}");
        _ = Task.Run(async () =>
        {
            await Task.Delay(20);
            Environment.Exit(code);
        });
        return Results.Text($"exiting with {code}");
    }

    private static IResult SpawnChild(bool? setsid, int? seconds)
    {
        var startInfo = new ProcessStartInfo { UseShellExecute = false };
        if (setsid == true)
        {
            // setsid execs in place (the caller is no group leader), so the pid is the sleep's pid.
            startInfo.FileName = "/usr/bin/setsid";
            startInfo.ArgumentList.Add("/bin/sleep");
        }
        else
        {
            startInfo.FileName = "/bin/sleep";
        }

        startInfo.ArgumentList.Add((seconds ?? 600).ToString(CultureInfo.InvariantCulture));
        using var child = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Starting '{startInfo.FileName}' returned no process.");
        Console.WriteLine($"spawned child {child.Id}");
        return Results.Json(new { pid = child.Id });
    }

    private async Task<IResult> WorkAsync(HttpContext context, int? ms, string? id)
    {
        id ??= $"w{Interlocked.Increment(ref _nextWorkId)}";
        // Stuck work ignores every token and, without an explicit ms, never ends.
        var duration = ms is { } given
            ? TimeSpan.FromMilliseconds(given)
            : options.StuckWork ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(10);
        Work.Enter();
        try
        {
            Console.WriteLine($"work {id} started");
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(
                context.RequestAborted, Work.Stopping);
            try
            {
                await Task.Delay(duration, options.StuckWork ? CancellationToken.None : cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                Events.Publish($"cancelled {id}");
                Console.WriteLine($"work {id} cancelled");
                return Results.Text($"cancelled {id}", statusCode: 503);
            }

            Events.Publish($"done {id}");
            Console.WriteLine($"work {id} done");
            return Results.Text($"done {id}");
        }
        finally
        {
            Work.Exit();
        }
    }
}
