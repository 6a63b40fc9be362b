using System.Net.Http.Json;
using LiveFixtures.Extensibility;
using Xunit;

namespace LiveFixtures.Examples;

/// <summary>A probe of your own: Probe.Custom with a ProbeContext, returning a ProbeResult that says what it saw.</summary>
public sealed class CustomProbeExampleTests
{
    // <snippet:custom-probe>
    /// <summary>Healthy while the app has taken fewer than <paramref name="limit"/> clicks.</summary>
    public static IProbe ClicksBelow(int limit) => Probe.Custom(
        $"fewer than {limit} clicks",
        async (ProbeContext context, CancellationToken cancellationToken) =>
        {
            // context.Resolve fills in this generation's {port}; context.Ports["port"] is the same number.
            var url = context.Resolve("http://127.0.0.1:{port}/state");
            using var http = new HttpClient();
            var state = await http.GetFromJsonAsync<Dictionary<string, object>>(url, cancellationToken);
            var clicks = int.Parse(state!["clicks"].ToString()!, System.Globalization.CultureInfo.InvariantCulture);
            return clicks < limit
                ? ProbeResult.Healthy($"GET {url} counted {clicks} clicks")
                : ProbeResult.Unhealthy($"GET {url} counted {clicks} clicks, the limit is {limit}");
        });
    // </snippet:custom-probe>

    [Fact(Timeout = 60_000)]
    public async Task CustomProbe_FailingResult_DegradesWithItsDescription()
    {
        var token = TestContext.Current.CancellationToken;
        await using var app = new LiveProcessBuilder("dotnet")
            .WithName("Clicks")
            .WithArguments(LiveGuiFixture.AppDll, "--port", "{port}")
            .WithPort()
            .WithBaseAddress("http://127.0.0.1:{port}/")
            .WithReadiness(Probe.OutputLine("^TestApp ready on "))
            .WithLiveness(ClicksBelow(2))
            .Build();
        var generation = await app.EnsureReadyAsync(token);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };

        Assert.Null(await app.CheckAsync(token));
        (await http.PostAsync("click/a", null, token)).Dispose();
        (await http.PostAsync("click/b", null, token)).Dispose();
        DeathRecord? degraded = null;
        for (var check = 0; check < 5 && degraded is null; check++)
        {
            degraded = await app.CheckAsync(token);   // a liveness failure threshold may need more than one
        }

        Assert.NotNull(degraded);
        Assert.Equal(DeathCause.Degraded, degraded.Cause);
        // The probe's own description comes first; the handle adds how many checks in a row failed.
        Assert.StartsWith($"GET http://127.0.0.1:{generation.Port}/state counted 2 clicks, the limit is 2", degraded.ProbeResult?.Description, StringComparison.Ordinal);
    }
}
