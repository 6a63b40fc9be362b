using System.Globalization;
using Xunit;

namespace LiveFixtures.Tests.Soak;

/// <summary>
/// The seeded chaos soak (issue 13). Short by default (15 s of tests per mode, so that it runs with every test run);
/// longer and reproducible with <c>LIVEFIXTURES_SOAK_SECONDS</c> and <c>LIVEFIXTURES_SOAK_SEED</c> (the failure message
/// names the seed of the failing run).
/// </summary>
public sealed class ChaosSoakTests
{
    [Fact(Timeout = 1_800_000)]
    public async Task Soak_Serial_NoHangsLeftoversMisblameOrInnocentFailures() => await SoakAsync(workers: 1, TestContext.Current.CancellationToken);

    [Fact(Timeout = 1_800_000)]
    public async Task Soak_FourTestsAtOnce_NoHangsLeftoversMisblameOrInnocentFailures() => await SoakAsync(workers: 4, TestContext.Current.CancellationToken);

    private static async Task SoakAsync(int workers, CancellationToken cancellationToken)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("LIVEFIXTURES_SOAK_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next(1, 1_000_000);
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("LIVEFIXTURES_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var d) ? d : 15;

        var report = await new ChaosSoak(seed, TimeSpan.FromSeconds(seconds), workers).RunAsync(cancellationToken);

        TestContext.Current.SendDiagnosticMessage(report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        var problems = report.Problems();
        Assert.True(
            problems.Count == 0,
            $"{report}{string.Join(Environment.NewLine, problems)}{Environment.NewLine}Reproduce with LIVEFIXTURES_SOAK_SEED={seed} LIVEFIXTURES_SOAK_SECONDS={seconds}.");
        Assert.True(report.Runs.Any(r => !r.Innocent), $"The soak made no fault in {seconds} s: it proved nothing.{Environment.NewLine}{report}");
    }
}
