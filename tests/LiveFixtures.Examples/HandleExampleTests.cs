using System.Text.RegularExpressions;
using Xunit;

namespace LiveFixtures.Examples;

/// <summary>The handle used directly, without a fixture.</summary>
public sealed class HandleExampleTests
{
    [Fact(Timeout = 60_000)]
    public async Task Handle_StartsRespawnsAndStops()
    {
        var token = TestContext.Current.CancellationToken;
        // <snippet:handle>
        await using var app = new LiveProcessBuilder("dotnet")
            .WithName("LiveGui")
            .WithArguments(LiveGuiFixture.AppDll, "--port", "{port}") // an argument list, never a shell string
            .WithPort()                                             // a free loopback port, as {port}
            .WithBaseAddress("http://127.0.0.1:{port}/")
            .WithReadiness(Probe.OutputLine("^TestApp ready on "))  // event-driven: no polling
            .WithLiveness(Probe.Http("/health"))                    // tells Ready from Degraded
            .WithRestartBudget(maxRespawns: 3, window: TimeSpan.FromMinutes(1))
            .Build();                                               // every problem reported at once

        LiveGeneration first = await app.EnsureReadyAsync(token);  // starts generation 1

        using var http = new HttpClient { BaseAddress = first.BaseAddress };
        var mark = app.Output!.Mark();
        await http.PostAsync("degrade", null, token);               // alive, but /health now answers 503
        await app.WaitForOutputAsync(new Regex("worker pool shut down"), mark, cancellationToken: token);

        LiveGeneration second = await app.EnsureReadyAsync(token); // Degraded: replaced by generation 2
        Console.WriteLine(second.Previous);                         // how generation 1 ended, and during which test

        StopReport report = await app.StopAsync(cancellationToken: token); // SIGTERM, 5 s grace, then kill the tree
        // </snippet:handle>

        Assert.Equal(DeathCause.Degraded, second.Previous!.Cause);
        Assert.Equal(StopOutcome.Graceful, report.Outcome);
    }
}
