using System.Globalization;
using System.Text;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// A trace of the library's decisions (containment tier, probe results, respawns and their reasons, stops and kills,
/// the notices tests got), one line each, appended to the file that <c>LIVEFIXTURES_TRACE</c> names. Off unless the
/// variable is set; call sites test <see cref="IsOn"/> first, so that nothing is formatted when it is off.
/// </summary>
/// <remarks>
/// Safe under parallel writers: every line is one <c>write</c> to a descriptor opened with <c>O_APPEND</c>, which the
/// kernel appends whole, so test hosts running side by side (several test projects, a watchdog) may share one file.
/// </remarks>
internal static class DecisionTrace
{
    /// <summary>The environment variable that names the trace file.</summary>
    public const string Variable = "LIVEFIXTURES_TRACE";

    /// <summary>The open descriptor, or -1 when tracing is off (read once: a static readonly the JIT folds to a constant).</summary>
    private static readonly int Descriptor = Open(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Gets whether tracing is on: test it before building a line.</summary>
    public static bool IsOn => Descriptor >= 0;

    /// <summary>Gets why the trace file named by the variable could not be opened, if it could not.</summary>
    public static string? Problem { get; private set; }

    /// <summary>Appends one line: time (UTC), pid, the area ("containment", "health", "respawn", "stop", "notice") and the text.</summary>
    public static void Write(string area, string text)
    {
        if (Descriptor >= 0)
        {
            Append(Descriptor, Line(area, text));
        }
    }

    /// <summary>Formats one line of the trace, ending in a newline; a text of several lines is joined with " | ".</summary>
    internal static byte[] Line(string area, string text) => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{TimeProvider.System.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} pid {Environment.ProcessId} [{area}] {OneLine(text)}\n"));

    private static string OneLine(string text) =>
        text.Contains('\n', StringComparison.Ordinal) ? text.ReplaceLineEndings(" | ") : text;

    /// <summary>Appends the bytes with one <c>write</c> (more only if the kernel takes part of them), ignoring failures.</summary>
    internal static void Append(int descriptor, byte[] bytes) =>
        _ = AppendFile.WriteAll(descriptor, bytes); // A full disk or a removed mount must not fail a test: the trace is a diagnostic.

    /// <summary>Opens (creating it and its folder) a file for appending with <c>O_APPEND</c>; returns -1 and the problem when it cannot.</summary>
    internal static int OpenAppend(string path, out string? problem)
    {
        problem = null;
        try
        {
            var full = Path.GetFullPath(path);
            if (Path.GetDirectoryName(full) is { } directory)
            {
                Directory.CreateDirectory(directory);
            }

            var descriptor = AppendFile.Open(full, create: true, out var error);
            if (descriptor < 0)
            {
                problem = $"{Variable}={path}: the file could not be opened for appending (errno {error}).";
            }

            return descriptor;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"{Variable}={path}: {e.Message}";
            return -1;
        }
    }

    /// <summary>Closes a descriptor from <see cref="OpenAppend"/>.</summary>
    internal static void Close(int descriptor) => AppendFile.Close(descriptor);

    private static int Open(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return -1;
        }

        if (!OperatingSystem.IsLinux())
        {
            Problem = $"{Variable} is set, but the trace is written on Linux only.";
            return -1;
        }

        var descriptor = OpenAppend(path, out var problem);
        if (problem is not null)
        {
            // Said once, where a user who set the variable looks: the run goes on without a trace.
            Problem = problem;
            Console.Error.WriteLine($"LiveFixtures: no trace is written: {problem}");
        }

        return descriptor;
    }
}
