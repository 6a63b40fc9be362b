using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace LiveFixtures.Extensibility;

/// <summary>
/// Writes the end-of-run summary as files whose names are the summary lines, one per fixture, for a test runner that
/// lists files but shows no text: <c>dotnet test</c> on Microsoft Testing Platform prints the path of every file artifact
/// of a passing run and nothing the test host writes.
/// </summary>
/// <remarks>
/// Called by the Microsoft Testing Platform extension that the LiveFixtures package compiles into a test project
/// (buildTransitive/LiveFixtures.targets) when the test session ends; not meant to be called by tests.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RunSummaryFiles
{
    /// <summary>The longest file name, in UTF-8 bytes, that the files get: under the 255 of Linux file systems.</summary>
    internal const int MaxNameBytes = 240;

    private const string Extension = ".txt";

    private static readonly SearchValues<char> InvalidNameCharacters = SearchValues.Create(Path.GetInvalidFileNameChars());

    /// <summary>
    /// Writes one file per fixture of this run into a new folder under <paramref name="directory"/>, named after its
    /// summary line ("LiveGui: 2 generations, 1 death — CrashTests.Crash, exit code 134 (SIGABRT).txt") and holding
    /// the whole summary; writes nothing when no fixture started.
    /// </summary>
    /// <param name="directory">The folder to write under: the test run's results directory.</param>
    /// <returns>The full paths of the files written, in the order of the summary lines.</returns>
    /// <exception cref="ArgumentException">The directory is null or empty.</exception>
    public static IReadOnlyList<string> Write(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var snapshots = RunHealth.Snapshots();
        return Write(directory, RunHealth.SummaryLines(), snapshots.Count > 0 ? snapshots[0].RunId : null);
    }

    /// <summary>Writes the files of the given summary lines into a folder named after the run (or this process).</summary>
    internal static IReadOnlyList<string> Write(string directory, IReadOnlyList<string> lines, string? runId)
    {
        if (lines.Count == 0)
        {
            return [];
        }

        var folder = Path.Combine(
            Path.GetFullPath(directory),
            "LiveFixtures-summary-" + (string.IsNullOrEmpty(runId) ? Environment.ProcessId.ToString(CultureInfo.InvariantCulture) : FileName(runId, 80)));
        Directory.CreateDirectory(folder);
        var content = RunSummary.Format(lines);
        var written = new List<string>(lines.Count);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var name = FileName(lines[i], MaxNameBytes - Extension.Length - 4);
            if (!taken.Add(name))
            {
                // Two fixtures whose lines were cut to the same name: number the second.
                name = $"{name} {i + 1}";
                taken.Add(name);
            }

            var path = Path.Combine(folder, name + Extension);
            File.WriteAllText(path, content);
            written.Add(path);
        }

        return written;
    }

    /// <summary>
    /// Makes a file name that reads as the line: slashes become '∕' (U+2215), control characters spaces, and a name
    /// longer than <paramref name="maxBytes"/> UTF-8 bytes is cut and ends in '…'.
    /// </summary>
    internal static string FileName(string line, int maxBytes)
    {
        var text = new StringBuilder(line.Length);
        foreach (var c in line)
        {
            text.Append(c switch
            {
                '/' or '\\' => '∕',
                _ when char.IsControl(c) => ' ',
                // Where the file system refuses more (Windows: ':', '*', '?', '"', '<', '>', '|'); none but '/' on Linux.
                _ when InvalidNameCharacters.Contains(c) => c == ':' ? '∶' : '_',
                _ => c,
            });
        }

        var name = text.ToString().Trim();
        if (name is "" or "." or "..")
        {
            name = "fixture";
        }

        if (Encoding.UTF8.GetByteCount(name) <= maxBytes)
        {
            return name;
        }

        var budget = maxBytes - Encoding.UTF8.GetByteCount("…");
        var cut = new StringBuilder();
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > budget)
            {
                break;
            }

            cut.Append(rune.ToString());
        }

        return cut.ToString().TrimEnd() + "…";
    }
}
