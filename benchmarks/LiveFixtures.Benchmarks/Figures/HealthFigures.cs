using System.Globalization;

namespace LiveFixtures.Benchmarks.Figures;

/// <summary>
/// The figures of health and output that a BenchmarkDotNet mean would hide (latency distributions against an ideal):
/// <c>dotnet run -c Release --project benchmarks/LiveFixtures.Benchmarks -- figures [--rounds N] [--out FILE]</c>.
/// </summary>
internal static class HealthFigures
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = Option(args, "--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 20;
        var output = Option(args, "--out") ?? Path.Combine("artifacts", "figures.md");
        var only = Option(args, "--only");
        var report = new Report();
        report.Line($"Machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the start; .NET {Environment.Version}.");
        if (only is null or "readiness")
        {
            await ReadinessFigures.RunAsync(report, rounds).ConfigureAwait(false);
        }

        if (only is null or "death")
        {
            await DeathFigures.RunAsync(report, rounds).ConfigureAwait(false);
        }

        if (only is null or "drain")
        {
            DrainFigures.Run(report, Math.Max(3, rounds / 4));
        }

        if (only is null or "records")
        {
            RecordFigures.Run(report, rounds);
        }

        report.Line($"Load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}.");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, report.ToString()).ConfigureAwait(false);
        Console.WriteLine($"Written to {output}.");
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
