using System.Globalization;
using LiveFixtures.Health;
using LiveFixtures.Launching;

namespace LiveFixtures;

/// <summary>Checks a spec and lists every problem, each as a sentence with its fix.</summary>
internal static class BuilderValidation
{
    public static List<string> Validate(LaunchSpec spec)
    {
        var problems = new List<string>();
        var portNames = spec.Ports.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var outputPorts = spec.Ports.Where(p => p.FromOutput).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        CheckCommand(spec, problems);
        CheckPorts(spec, problems);
        CheckTimes(spec, problems);
        if (Records.LeftoverSweep.FromEnvironment().Problem is { } leftovers)
        {
            problems.Add(leftovers);
        }

        foreach (var (argument, index) in spec.Arguments.Select((a, i) => (a, i)))
        {
            problems.AddRange(Placeholders.Validate(argument, $"Argument {index}", portNames, spec.Workspace, beforeStart: true, outputPorts));
        }

        foreach (var (name, value) in spec.Environment)
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
            {
                problems.Add($"The environment variable name '{name}' is not valid: names are non-empty and contain no '='.");
            }
            else if (name.StartsWith("LIVEFIXTURES_", StringComparison.Ordinal))
            {
                problems.Add($"The environment variable '{name}' is reserved: LiveFixtures marks every process it starts with LIVEFIXTURES_ variables. Use another name.");
            }

            if (value is not null)
            {
                problems.AddRange(Placeholders.Validate(value, $"Environment variable {name}", portNames, spec.Workspace, beforeStart: true, outputPorts));
            }
        }

        problems.AddRange(StartFile.Validate(spec.Files, portNames, outputPorts));
        if (spec.BaseAddress is { } baseAddress)
        {
            var before = problems.Count;
            problems.AddRange(Placeholders.Validate(baseAddress, "The base address", portNames, spec.Workspace));
            if (problems.Count == before)
            {
                CheckUrl(Sample(baseAddress), $"The base address '{baseAddress}'", problems);
            }
        }

        foreach (var (probe, role) in new[] { (spec.Readiness, "readiness"), (spec.Liveness, "liveness") })
        {
            if (probe is not null)
            {
                CheckProbe(spec, probe, role, portNames, problems);
            }
        }

        return problems;
    }

    private static void CheckCommand(LaunchSpec spec, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(spec.Command))
        {
            problems.Add("No command was given: pass the executable's path or name to WithCommand(...) or new LiveProcessBuilder(command).");
        }
        else if (ExecutableResolver.Resolve(spec.Command, spec.WorkingDirectory is { } w && !w.Contains('{', StringComparison.Ordinal) ? w : null).Problem is { } problem)
        {
            problems.Add(problem);
        }

        if (spec.WorkingDirectory is { } dir)
        {
            if (dir.Contains('{', StringComparison.Ordinal))
            {
                var ports = spec.Ports.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                problems.AddRange(Placeholders.Validate(dir, "The working directory", ports, spec.Workspace, beforeStart: true, spec.Ports.Where(p => p.FromOutput).Select(p => p.Name).ToHashSet(StringComparer.Ordinal)));
            }
            else if (!Directory.Exists(dir))
            {
                problems.Add($"The working directory {Path.GetFullPath(dir)} does not exist: create it first, or fix WithWorkingDirectory.");
            }
        }
    }

    private static void CheckPorts(LaunchSpec spec, List<string> problems)
    {
        foreach (var group in spec.Ports.GroupBy(p => p.Name).Where(g => g.Count() > 1))
        {
            problems.Add($"The port '{group.Key}' is declared {group.Count()} times: give each port its own name.");
        }

        if (spec.MachineLeaseWait < TimeSpan.Zero)
        {
            problems.Add($"The machine lease wait {spec.MachineLeaseWait} is negative: use TimeSpan.Zero to fail at once, or a positive wait (the default is {MachineLease.DefaultWait.TotalMinutes:0} minutes).");
        }

        if (spec.SingleInstance is { } key && string.IsNullOrWhiteSpace(key))
        {
            problems.Add("The single-instance key is empty: give WithSingleInstance a name, or call it without one to use the process name.");
        }

        foreach (var port in spec.Ports.Where(p => p.FixedPort is < 1 or > 65535))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"The fixed port {port.FixedPort} ('{port.Name}') is out of range: use 1 to 65535, or WithPort(\"{port.Name}\") to get a free one."));
        }

        foreach (var port in spec.Ports.Where(p => p.FromOutput))
        {
            var groups = spec.Readiness is null ? [] : Probe.Flatten(spec.Readiness).OfType<OutputLineProbe>().SelectMany(p => p.Pattern.GetGroupNames());
            if (!groups.Contains(port.Name))
            {
                problems.Add($"The port '{port.Name}' comes from the output, but no output-line readiness probe has a group named '{port.Name}': use Probe.OutputLine(@\"... (?<{port.Name}>\\d+)\").");
            }
        }
    }

    private static void CheckTimes(LaunchSpec spec, List<string> problems)
    {
        void Positive(TimeSpan value, string what, string method)
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"The {what} is {value}, but it must be positive: pass a positive TimeSpan to {method}.");
            }
        }

        Positive(spec.StartupTimeout, "startup timeout", "WithStartupTimeout");
        Positive(spec.LivenessTimeout, "liveness timeout", "WithLiveness (LivenessOptions.Timeout)");
        Positive(spec.ReadinessFirstDelay, "first readiness delay", "WithReadinessBackoff");
        Positive(spec.RestartBudget.Window, "restart budget window", "WithRestartBudget");
        if (spec.ReadinessMaxDelay < spec.ReadinessFirstDelay)
        {
            problems.Add($"The readiness backoff's maximum ({spec.ReadinessMaxDelay}) is below its first delay ({spec.ReadinessFirstDelay}): pass max >= first to WithReadinessBackoff.");
        }

        if (spec.StartRetries is < 0 or > 10)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"The start retries are {spec.StartRetries}, but they must be 0 to 10: pass to WithStartRetries how often a transient start failure is retried at once (default 2; 0 turns retries off)."));
        }

        if (spec.StartRetryQuickExit < TimeSpan.Zero || spec.StartRetryQuickExit > TimeSpan.FromSeconds(60))
        {
            problems.Add($"The quick-exit window of start retries is {spec.StartRetryQuickExit}, but it must be 0 to 60 s: pass to WithStartRetries how soon after its start an exit counts as transient (default 1 s).");
        }

        if (spec.LivenessFailureThreshold is < 1 or > 10)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"The liveness failure threshold is {spec.LivenessFailureThreshold}, but it must be 1 to 10: set LivenessOptions.FailureThreshold to how many failed attempts in a row mark the app Degraded (default 3)."));
        }

        if (spec.LivenessRetryInterval < TimeSpan.Zero || spec.LivenessRetryInterval > TimeSpan.FromSeconds(10))
        {
            problems.Add($"The liveness retry interval is {spec.LivenessRetryInterval}, but it must be zero to 10 s: set LivenessOptions.RetryInterval to the pause between failed attempts (default 100 ms).");
        }

        if (spec.SettleAfterTest < TimeSpan.Zero || spec.SettleAfterTest > TimeSpan.FromSeconds(10))
        {
            problems.Add($"The settle window after each test is {spec.SettleAfterTest}, but it must be zero to 10 s (every guarded test pays it): pass a short window such as 100 ms to WithSettleAfterTest, or zero to turn it off.");
        }

        if (spec.StopGrace < TimeSpan.Zero)
        {
            problems.Add($"The stop grace is {spec.StopGrace}, but it cannot be negative: pass zero (kill at once) or more to WithStopGrace.");
        }

        if (spec.RestartBudget.MaxRespawns < 0)
        {
            problems.Add($"The restart budget allows {spec.RestartBudget.MaxRespawns} respawns: pass 0 (never respawn) or more to WithRestartBudget.");
        }

        if (spec.OutputMaxLines < 1 || spec.OutputMaxCharacters < 1 || spec.OutputTailLines < 0)
        {
            problems.Add("The output limits must be positive (lines and characters) and the tail not negative: fix WithOutputLimits.");
        }
    }

    private static void CheckProbe(LaunchSpec spec, IProbe probe, string role, HashSet<string> portNames, List<string> problems)
    {
        foreach (var part in Probe.Flatten(probe))
        {
            switch (part)
            {
                case HttpProbe http when http.UrlTemplate.StartsWith('/'):
                    if (spec.BaseAddress is null)
                    {
                        problems.Add($"The {role} probe GETs the path '{http.UrlTemplate}', but no base address was set: add WithBaseAddress(\"http://127.0.0.1:{{port}}/\") or give an absolute URL.");
                    }

                    break;
                case HttpProbe http:
                    var before = problems.Count;
                    problems.AddRange(Placeholders.Validate(http.UrlTemplate, $"The {role} probe URL", portNames, spec.Workspace));
                    if (problems.Count == before)
                    {
                        CheckUrl(Sample(http.UrlTemplate), $"The {role} probe URL '{http.UrlTemplate}'", problems);
                    }

                    break;
                case FileExistsProbe file:
                    problems.AddRange(Placeholders.Validate(file.PathTemplate, $"The {role} probe path", portNames, spec.Workspace));
                    break;
                case TcpProbe tcp when !portNames.Contains(tcp.PortName) && !OutputGroups(spec).Contains(tcp.PortName):
                    var declare = tcp.PortName == PortNames.Default ? "WithPort()" : $"WithPort(\"{tcp.PortName}\")";
                    problems.Add($"The {role} probe connects to the port '{tcp.PortName}' (Probe.Tcp(\"{tcp.PortName}\")), but no port of that name was declared, so it could never pass: add {declare} for a free port, WithFixedPort(\"{tcp.PortName}\", number), or WithPortFromOutput(\"{tcp.PortName}\") when the app prints it; or name a declared port in Probe.Tcp.");
                    break;
                case OutputLineProbe when role == "liveness":
                    problems.Add("An output-line probe cannot tell liveness (a line once written stays written): use an HTTP, TCP or custom probe for liveness.");
                    break;
            }
        }
    }

    /// <summary>Lists the named groups of the readiness probe's output-line patterns: values (ports among them) known once it passed.</summary>
    private static HashSet<string> OutputGroups(LaunchSpec spec) =>
        spec.Readiness is null
            ? []
            : Probe.Flatten(spec.Readiness).OfType<OutputLineProbe>().SelectMany(p => p.Pattern.GetGroupNames()).Where(n => !int.TryParse(n, out _)).ToHashSet(StringComparer.Ordinal);

    private static void CheckUrl(string url, string what, List<string> problems)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"{what} is not a valid absolute http(s) URL: write it like http://127.0.0.1:{{port}}/health.");
        }
    }

    private static string Sample(string template) =>
        Placeholders.Resolve(template, (key, _) => key is "port" or "generation" ? "1" : "x");
}
