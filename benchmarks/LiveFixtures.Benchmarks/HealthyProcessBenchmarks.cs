using BenchmarkDotNet.Attributes;

namespace LiveFixtures.Benchmarks;

/// <summary>
/// Measures what the library adds to each test when the shared process is already ready and healthy: the per-test
/// guard, and the two handle calls it is made of, against the repository's test app, with and without a liveness probe.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
public class HealthyProcessBenchmarks
{
    private LiveProcessFixture _fixture = null!;
    private int _generation;

    /// <summary>Gets or sets the liveness probe the fixture is configured with.</summary>
    [Params(LivenessProbe.None, LivenessProbe.Http)]
    public LivenessProbe Liveness { get; set; }

    /// <summary>Starts the test app once and waits until it is ready.</summary>
    /// <remarks>Synchronous on purpose: the in-process toolchain of BenchmarkDotNet 0.14 does not await an async
    /// global setup or cleanup (dotnet/BenchmarkDotNet#1738), so it would measure a process still starting.</remarks>
    [GlobalSetup]
    public void Start() => StartAsync().GetAwaiter().GetResult();

    /// <summary>Stops the test app, and fails the run if it was respawned while measuring (the numbers would include a start).</summary>
    [GlobalCleanup]
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    private async Task StartAsync()
    {
        _fixture = Liveness == LivenessProbe.Http ? new TestAppWithLivenessFixture() : new TestAppFixture();
        await _fixture.InitializeAsync();

        // InitializeAsync keeps a start failure for the tests; this rethrows it so the benchmark fails at once.
        _generation = (await _fixture.EnsureReadyAsync()).Number;
    }

    private async Task StopAsync()
    {
        var generations = _fixture.Process.GenerationCount;
        var deaths = _fixture.Process.Deaths;
        await _fixture.DisposeAsync();
        if (generations != _generation || deaths.Count != 0)
        {
            throw new InvalidOperationException(
                $"The test app was respawned while measuring ({generations} generations, {deaths.Count} deaths; first: {(deaths.Count == 0 ? "none" : deaths[0].ToString())}), so these numbers include a start: run again on a quieter machine.");
        }
    }

    /// <summary>Guards one test as <c>LiveTest&lt;TFixture&gt;</c> does: begin the scope, then dispose it.</summary>
    /// <returns>A task that completes when the scope is disposed.</returns>
    [Benchmark]
    public async Task Guard()
    {
        // <snippet:guard>
        var scope = await _fixture.BeginTestAsync();
        await scope.DisposeAsync();
        // </snippet:guard>
    }

    /// <summary>Asks the handle for a ready generation (with a liveness probe, it probes once).</summary>
    /// <returns>The ready generation.</returns>
    [Benchmark]
    public Task<LiveGeneration> EnsureReady() => _fixture.Process.EnsureReadyAsync();

    /// <summary>Checks the handle's current generation now, as the end of the guard does (with a liveness probe, it probes once).</summary>
    /// <returns>Null while healthy.</returns>
    [Benchmark]
    public Task<DeathRecord?> Check() => _fixture.Process.CheckAsync();

    /// <summary>Sends one <c>GET /health</c> to the test app on loopback: the floor under one HTTP liveness probe.</summary>
    /// <returns>The response status.</returns>
    [Benchmark]
    public async Task<int> HttpGetHealth()
    {
        using var response = await _fixture.Http.GetAsync(new Uri("health", UriKind.Relative));
        return (int)response.StatusCode;
    }
}
