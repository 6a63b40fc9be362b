using BenchmarkDotNet.Running;
using LiveFixtures.Benchmarks.Figures;

// dotnet run -c Release --project benchmarks/LiveFixtures.Benchmarks -- --filter '*'
// dotnet run -c Release --project benchmarks/LiveFixtures.Benchmarks -- figures   (readiness, death detection, drain, run record writes; --only records)
if (args.Length > 0 && args[0] == "figures")
{
    return await HealthFigures.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
