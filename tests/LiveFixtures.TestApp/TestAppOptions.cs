using System.Globalization;

namespace LiveFixtures.TestApp;

/// <summary>Holds the command-line options of the test app.</summary>
internal sealed class TestAppOptions
{
    public const string Usage = """
        usage: LiveFixtures.TestApp [options]
          --port N                   listen on 127.0.0.1:N (0 or absent: TESTAPP_PORT, else a free port)
          --startup-delay-ms N       wait N ms before listening
          --exit-during-startup CODE exit with CODE before listening
          --crash-after-clicks N     abort (SIGABRT) on the Nth click
          --ignore-sigterm           print 'SIGTERM ignored' and keep running on SIGTERM
          --slow-shutdown-ms N       on SIGTERM wait N ms before shutting down
          --noise-per-second N       print N noise lines per second
          --state-dir PATH           write PATH/app.pid; report a stale PATH/half-written.tmp
          --stuck-work               /work requests ignore cancellation and shutdown
          --stderr-flood N           around the ready line, write N stderr lines before it and N after
        """;

    public int Port { get; private set; }

    public int StartupDelayMs { get; private set; }

    public int? ExitDuringStartup { get; private set; }

    public int? CrashAfterClicks { get; private set; }

    public bool IgnoreSigterm { get; private set; }

    public int? SlowShutdownMs { get; private set; }

    public int NoisePerSecond { get; private set; }

    public string? StateDir { get; private set; }

    public bool StuckWork { get; private set; }

    public int StderrFlood { get; private set; }

    /// <summary>Parses the arguments; throws <see cref="FormatException"/> with a full sentence on a bad option.</summary>
    public static TestAppOptions Parse(IReadOnlyList<string> args, string? portVariable)
    {
        var options = new TestAppOptions();
        var portGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count
                ? args[++i]
                : throw new FormatException($"Option '{name}' needs a value.");
            switch (name)
            {
                case "--port":
                    options.Port = ParseInt(name, Value(), 0, 65535);
                    portGiven = true;
                    break;
                case "--startup-delay-ms":
                    options.StartupDelayMs = ParseInt(name, Value(), 0, int.MaxValue);
                    break;
                case "--exit-during-startup":
                    options.ExitDuringStartup = ParseInt(name, Value(), 0, 255);
                    break;
                case "--crash-after-clicks":
                    options.CrashAfterClicks = ParseInt(name, Value(), 1, int.MaxValue);
                    break;
                case "--ignore-sigterm":
                    options.IgnoreSigterm = true;
                    break;
                case "--slow-shutdown-ms":
                    options.SlowShutdownMs = ParseInt(name, Value(), 0, int.MaxValue);
                    break;
                case "--noise-per-second":
                    options.NoisePerSecond = ParseInt(name, Value(), 0, 100_000);
                    break;
                case "--state-dir":
                    options.StateDir = Value();
                    break;
                case "--stuck-work":
                    options.StuckWork = true;
                    break;
                case "--stderr-flood":
                    options.StderrFlood = ParseInt(name, Value(), 1, 10_000_000);
                    break;
                default:
                    throw new FormatException($"Unknown option '{name}'.");
            }
        }

        if (!portGiven && !string.IsNullOrEmpty(portVariable))
        {
            options.Port = ParseInt("TESTAPP_PORT", portVariable, 0, 65535);
        }

        if (options.IgnoreSigterm && options.SlowShutdownMs is not null)
        {
            throw new FormatException("Options '--ignore-sigterm' and '--slow-shutdown-ms' cannot be combined.");
        }

        return options;
    }

    private static int ParseInt(string name, string text, int min, int max)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            throw new FormatException($"Option '{name}' needs an integer from {min} to {max}, got '{text}'.");
        }

        return value;
    }
}
