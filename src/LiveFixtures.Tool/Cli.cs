using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LiveFixtures.Platform;

namespace LiveFixtures.Tool;

/// <summary>The livefixtures command line: ps, reap, prune, logs, health. Exit codes: 0 done, 1 failed, 2 bad usage.</summary>
internal static class Cli
{
    /// <summary>The exit code of a command that did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The exit code of a command that could not do it (one line on stderr says why).</summary>
    public const int Failed = 1;

    /// <summary>The exit code of a command given what it cannot use (System.CommandLine's own, too).</summary>
    public const int Usage = 2;

    /// <summary>Builds the root command, writing to <paramref name="output"/> and <paramref name="errors"/>.</summary>
    public static RootCommand Build(TextWriter output, TextWriter errors)
    {
        var store = new Option<string?>("--store") { Description = $"The records directory (default: ${StateDirectory.Variable}, else $XDG_STATE_HOME/livefixtures, else ~/.local/state/livefixtures)." };
        var root = new RootCommand("Inspects and cleans up after the processes that LiveFixtures test runs started.");
        root.Options.Add(store);

        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var ps = new Command("ps", "List every recorded generation: fixture, generation, pid, state, whether it is alive, run, age, ports.") { json };
        ps.SetAction(r => Run(errors, () => Ps(Open(r, store), r.GetValue(json), output, errors)));
        root.Subcommands.Add(ps);

        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be stopped, stop nothing." };
        var reap = new Command("reap", "Stop what runs whose test host is gone left running (verified by pid, start time and boot id): SIGTERM, 2 s, then SIGKILL.") { dryRun };
        reap.SetAction(r => Run(errors, () => Reap(Open(r, store), r.GetValue(dryRun), output, errors)));
        root.Subcommands.Add(reap);

        var olderThan = new Option<string>("--older-than") { Description = "Delete records of runs that ended longer ago than this: 7d, 12h, 30m (default 7d).", DefaultValueFactory = _ => "7d" };
        var prune = new Command("prune", "Delete old run records, with their health snapshots and kept workspaces.") { olderThan };
        prune.SetAction(r => Run(errors, () => Prune(Open(r, store), r.GetValue(olderThan)!, output, errors)));
        root.Subcommands.Add(prune);

        var name = new Argument<string>("fixture") { Description = "The fixture (process) name, as in 'ps'." };
        var generation = new Option<int?>("--generation") { Description = "The generation (default: the latest one of that name)." };
        var logs = new Command("logs", "Print the full output log of a fixture's generation.") { name, generation };
        logs.SetAction(r => Run(errors, () => Logs(Open(r, store), r.GetValue(name)!, r.GetValue(generation), output, errors)));
        root.Subcommands.Add(logs);

        var run = new Option<string?>("--run") { Description = "The run id (default: the latest run that wrote a snapshot)." };
        var health = new Command("health", "Print the health snapshot of each fixture of a run: generations, deaths and the tests blamed.") { run, json };
        health.SetAction(r => Run(errors, () => Health(Open(r, store), r.GetValue(run), r.GetValue(json), output, errors)));
        root.Subcommands.Add(health);
        return root;
    }

    private static RunStore Open(ParseResult result, Option<string?> store) =>
        result.GetValue(store) is { Length: > 0 } path ? new RunStore(path) : RunStore.OpenDefault();

    private static int Run(TextWriter errors, Func<int> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            errors.WriteLine($"livefixtures: {e.Message}");
            return Failed;
        }
    }

    private static int Ps(RunStore store, bool json, TextWriter output, TextWriter errors)
    {
        var warnings = new List<string>();
        var now = DateTimeOffset.UtcNow;
        var rows = store.ReadAll(warnings)
            .SelectMany(run => run.Generations.Select(g => new PsRow(
                g.Fixture, g.Generation, g.Process.Pid, g.Status, g.Process.IsAlive(), run.RunId, run.Host.IsAlive(), now - g.Started, g.Ports)))
            .ToList();
        Warn(errors, warnings);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(rows, ToolJson.Default.ListPsRow));
            return Ok;
        }

        if (rows.Count == 0)
        {
            output.WriteLine($"No generations recorded in {store.Root}.");
            return Ok;
        }

        output.WriteLine($"{"FIXTURE",-24} {"GEN",4} {"PID",8} {"STATE",-16} {"ALIVE",-5} {"RUN",-32} {"AGE",8}  PORTS");
        foreach (var row in rows)
        {
            var state = row.Alive && !row.HostAlive ? "LEFTOVER" : row.Status;
            var ports = string.Join(",", row.Ports.Select(p => $"{p.Key}={p.Value}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Fixture,-24} {row.Generation,4} {row.Pid,8} {state,-16} {(row.Alive ? "yes" : "no"),-5} {row.Run,-32} {Age(row.Age),8}  {ports}"));
        }

        return Ok;
    }

    private static int Reap(RunStore store, bool dryRun, TextWriter output, TextWriter errors)
    {
        var warnings = new List<string>();
        var leftovers = new Leftovers(store, ProcessTables.Current, TimeProvider.System);
        var found = leftovers.Find(warnings);
        Warn(errors, warnings);
        if (found.Count == 0)
        {
            output.WriteLine("Nothing to reap: no dead run left a process running.");
            return Ok;
        }

        if (dryRun)
        {
            foreach (var leftover in found)
            {
                output.WriteLine($"would stop {leftover}");
            }

            return Ok;
        }

        foreach (var line in leftovers.ReapAsync(found, Leftovers.DefaultGrace).GetAwaiter().GetResult())
        {
            output.WriteLine(line);
        }

        return found.Any(l => l.Generation.Process.IsAlive()) ? Failed : Ok;
    }

    private static int Prune(RunStore store, string olderThan, TextWriter output, TextWriter errors)
    {
        var age = ParseAge(olderThan);
        var warnings = new List<string>();
        var removed = store.Prune(age, DateTimeOffset.UtcNow, warnings);
        Warn(errors, warnings);
        output.WriteLine(removed.Count == 0 ? $"Nothing older than {olderThan} to prune." : $"Pruned {removed.Count} run(s): {string.Join(", ", removed)}.");
        return Ok;
    }

    private static int Logs(RunStore store, string fixture, int? generation, TextWriter output, TextWriter errors)
    {
        var warnings = new List<string>();
        var match = store.ReadAll(warnings)
            .SelectMany(run => run.Generations)
            .Where(g => string.Equals(g.Fixture, fixture, StringComparison.Ordinal) && (generation is null || g.Generation == generation))
            .OrderBy(g => g.Started)
            .LastOrDefault();
        Warn(errors, warnings);
        if (match is null)
        {
            errors.WriteLine($"livefixtures: no generation{(generation is null ? "" : $" {generation}")} of '{fixture}' is recorded in {store.Root}; 'livefixtures ps' lists what is.");
            return Failed;
        }

        if (match.LogFile is null || !File.Exists(match.LogFile))
        {
            errors.WriteLine($"livefixtures: generation {match.Generation} of '{fixture}' kept no log file{(match.LogFile is null ? "" : $" ({match.LogFile} is gone)")}; a generation's full log is written to a file only when its handle is built with WithLogDirectory(dir) (otherwise a guarded test that saw it die has it attached, as ‹name›-gen‹n›.log). Add WithLogDirectory to the fixture's Configure and run the tests again.");
            return Failed;
        }

        output.Write(File.ReadAllText(match.LogFile));
        return Ok;
    }

    private static int Health(RunStore store, string? run, bool json, TextWriter output, TextWriter errors)
    {
        var warnings = new List<string>();
        var snapshots = store.ReadHealth(run, warnings);
        Warn(errors, warnings);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(snapshots, ToolJson.Default.ListFixtureHealth));
            return Ok;
        }

        if (snapshots.Count == 0)
        {
            output.WriteLine(run is null ? $"No health snapshots in {store.Root}." : $"No health snapshots for run {run}.");
            return Ok;
        }

        foreach (var snapshot in snapshots)
        {
            // A fixture that never started has no process state worth telling ("Dead" would read as a death).
            var state = snapshot.NeverStarted ? "" : snapshot.State + ", ";
            output.WriteLine($"{snapshot.Summary()} (run {snapshot.RunId}, {state}{(snapshot.Final ? "final" : "in progress")})");
        }

        return Ok;
    }

    /// <summary>Reads "7d", "12h", "30m" or "45s".</summary>
    /// <exception cref="FormatException">It is none of those.</exception>
    public static TimeSpan ParseAge(string text)
    {
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0)
        {
            switch (text[^1])
            {
                case 'd': return TimeSpan.FromDays(value);
                case 'h': return TimeSpan.FromHours(value);
                case 'm': return TimeSpan.FromMinutes(value);
                case 's': return TimeSpan.FromSeconds(value);
            }
        }

        throw new FormatException($"'{text}' is not an age: write a number followed by d, h, m or s, such as 7d or 12h.");
    }

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays}d" : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h" : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m" : $"{(int)age.TotalSeconds}s";

    private static void Warn(TextWriter errors, List<string> warnings)
    {
        foreach (var warning in warnings)
        {
            errors.WriteLine($"livefixtures: warning: {warning}");
        }
    }
}
