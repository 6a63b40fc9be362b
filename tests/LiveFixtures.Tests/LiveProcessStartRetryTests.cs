using System.Globalization;
using LiveFixtures.Testing;
using Xunit;

namespace LiveFixtures.Tests;

/// <summary>One flaky start does not poison the scope (issue 13, item 4): transient start failures are retried at once with fresh ports, uncharged.</summary>
public sealed class LiveProcessStartRetryTests : IDisposable
{
    /// <summary>Fails with a bind error the first time (writing the port it was given), then runs the test app on the port it is given.</summary>
    private const string BindFailsOnce = """
        if [ ! -e "$1/first-port" ]; then
          echo "$2" > "$1/first-port"
          echo "fatal: bind 127.0.0.1:$2: address already in use" >&2
          exit 1
        fi
        exec dotnet "$3" --port "$2"
        """;

    /// <summary>Exits at once, silently, on its first <c>$2</c> starts; then sleeps.</summary>
    private const string ExitsQuickly = """
        echo start >> "$1/starts"
        if [ "$(wc -l < "$1/starts")" -le "$2" ]; then exit 7; fi
        echo up
        exec sleep 120
        """;

    private readonly DirectoryInfo _state = Directory.CreateTempSubdirectory("start-retry-tests-");

    [Fact(Timeout = 120_000)]
    public async Task EnsureReadyAsync_FirstStartHitsABindError_RetriesOnAFreshPortUncharged()
    {
        await using var app = new LiveProcessBuilder("/bin/sh")
            .WithName("BindOnce")
            .WithArguments("-c", BindFailsOnce, "sh", _state.FullName, "{port}", TestAppPaths.Dll)
            .WithPort()
            .WithReadiness(Probe.Tcp())
            .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .WithStartRetries(2, quickExit: TimeSpan.Zero) // only the bind error can make it transient
            .WithRestartBudget(0, TimeSpan.FromMinutes(1)) // a charged retry would fault the handle
            .WithStartupTimeout(TimeSpan.FromSeconds(60))
            .WithStopGrace(TimeSpan.Zero)
            .Build();

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        var firstPort = int.Parse(File.ReadAllText(Path.Combine(_state.FullName, "first-port")).Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(2, generation.Number);
        Assert.NotEqual(firstPort, generation.Ports["port"]);
        Assert.Null(generation.Previous);
        Assert.Empty(app.Deaths);
        Assert.Equal(LiveProcessState.Ready, app.State);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_AppExitsAtOnceTwice_ThirdAttemptIsReady()
    {
        await using var app = QuickExitApp(failures: 2).Build();

        var generation = await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, generation.Number);
        Assert.Empty(app.Deaths);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_EveryAttemptFails_FailsOnceListingEachAttempt()
    {
        await using var app = QuickExitApp(failures: 100).WithStartRetries(2).Build();

        var error = await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Contains("(generation 3, pid ", error.Message, StringComparison.Ordinal);
        Assert.Contains("This was attempt 3 of this start", error.Message, StringComparison.Ordinal);
        Assert.Contains("  1. generation 1 (pid ", error.Message, StringComparison.Ordinal);
        Assert.Contains("  2. generation 2 (pid ", error.Message, StringComparison.Ordinal);
        Assert.Contains("exit code 7 (it exited ", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, app.GenerationCount);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_state.FullName, "starts")).Length);
        var death = Assert.Single(app.Deaths); // the last attempt only: the retried ones are not deaths
        Assert.Equal(3, death.Generation);
        Assert.Equal(DeathCause.FailedToStart, death.Cause);
    }

    [Fact(Timeout = 60_000)]
    public async Task EnsureReadyAsync_RetriesTurnedOff_FailsOnTheFirstAttempt()
    {
        await using var app = QuickExitApp(failures: 1).WithStartRetries(0).Build();

        await Assert.ThrowsAsync<LiveProcessStartException>(() => app.EnsureReadyAsync(TestContext.Current.CancellationToken));

        Assert.Equal(1, app.GenerationCount);
    }

    [Fact(Timeout = 60_000)]
    public async Task Fixture_StartFailsWhenCreated_TheNextUseStartsAgain()
    {
        // Three quick failures: the three attempts of the fixture's own start. The fourth start runs.
        var fixture = new FlakyFixture(_state.FullName, failures: 3);
        await fixture.InitializeAsync();
        try
        {
            Assert.Throws<LiveFixtureUnavailableException>(() => fixture.Generation);

            var generation = await fixture.EnsureReadyAsync(TestContext.Current.CancellationToken);

            Assert.Equal(4, generation.Number);
            Assert.Same(generation, fixture.Generation);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    public void Dispose() => _state.Delete(recursive: true);

    private LiveProcessBuilder QuickExitApp(int failures) => QuickExitBuilder(new LiveProcessBuilder(), _state.FullName, failures).WithName("QuickExit");

    private static LiveProcessBuilder QuickExitBuilder(LiveProcessBuilder builder, string state, int failures) => builder
        .WithCommand("/bin/sh")
        .WithArguments("-c", ExitsQuickly, "sh", state, failures.ToString(CultureInfo.InvariantCulture))
        .WithReadiness(Probe.OutputLine("^up$"))
        .WithStartRetries(2, quickExit: TimeSpan.FromSeconds(30))
        .WithStopGrace(TimeSpan.Zero);

    private sealed class FlakyFixture(string state, int failures) : LiveProcessFixture
    {
        protected override LiveProcessBuilder Configure(LiveProcessBuilder builder) => QuickExitBuilder(builder, state, failures);
    }
}
