using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/LiveFixtures.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
