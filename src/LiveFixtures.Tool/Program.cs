using System.CommandLine;
using LiveFixtures.Tool;

return Cli.Build(Console.Out, Console.Error).Parse(args).Invoke();
