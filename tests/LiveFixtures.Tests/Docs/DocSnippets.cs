using System.Text.RegularExpressions;

namespace LiveFixtures.Tests.Docs;

/// <summary>
/// Reads Markdown docs: their fenced code blocks, the snippet markers above them
/// (<c>&lt;!-- snippet: path#name --&gt;</c>), and the source regions those markers name
/// (the lines between <c>// &lt;snippet:name&gt;</c> and <c>// &lt;/snippet:name&gt;</c>).
/// </summary>
internal static partial class DocSnippets
{
    /// <summary>Gets the repository root: the nearest directory above the test assembly that holds LiveFixtures.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Lists README.md and docs/*.md under a root, as paths relative to it with forward slashes.</summary>
    public static IReadOnlyList<string> DocFiles(string root)
    {
        var files = new List<string>();
        if (File.Exists(Path.Combine(root, "README.md")))
        {
            files.Add("README.md");
        }

        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            files.AddRange(Directory.GetFiles(docs, "*.md").Select(f => "docs/" + Path.GetFileName(f)).Order(StringComparer.Ordinal));
        }

        return files;
    }

    /// <summary>Lists the fenced code blocks of a Markdown text, with the line before each.</summary>
    public static IReadOnlyList<Block> ReadBlocks(IReadOnlyList<string> lines)
    {
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Count; i++)
        {
            var open = FenceLine().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var fence = open.Groups["fence"].Value;
            var content = new List<string>();
            var end = i + 1;
            while (end < lines.Count && !IsClosingFence(lines[end], fence))
            {
                content.Add(lines[end]);
                end++;
            }

            blocks.Add(new Block(i + 1, open.Groups["info"].Value.Trim(), i > 0 ? lines[i - 1] : "", content, Closed: end < lines.Count));
            i = end;
        }

        return blocks;
    }

    /// <summary>Checks every snippet marker of one doc against its source region; returns one message per problem.</summary>
    public static List<string> CheckSnippets(string root, string doc, IReadOnlyList<string> lines, out int snippets)
    {
        var problems = new List<string>();
        var blocks = ReadBlocks(lines).ToDictionary(b => b.Line);
        snippets = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var marker = SnippetMarker().Match(lines[i]);
            if (!marker.Success)
            {
                continue;
            }

            snippets++;
            var path = marker.Groups["path"].Value;
            var name = marker.Groups["name"].Value;
            var where = $"{doc}:{i + 1}: snippet {path}#{name}";
            if (!blocks.TryGetValue(i + 2, out var block) || !IsCSharp(block.Info) || !block.Closed)
            {
                problems.Add($"{where}: the marker is not immediately followed by a closed ```csharp block. Put the block on the next line.");
                continue;
            }

            if (ReadRegion(root, path, name, out var regionStart) is not { } region)
            {
                problems.Add($"{where}: {RegionProblem(root, path, name)}");
                continue;
            }

            var expected = Normalize(region);
            var actual = Normalize(block.Content);
            if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
            {
                var k = Enumerable.Range(0, Math.Max(expected.Count, actual.Count))
                    .First(n => n >= expected.Count || n >= actual.Count || !string.Equals(expected[n], actual[n], StringComparison.Ordinal));
                var docLine = block.Line + 1 + k;
                var has = k < actual.Count ? $"`{actual[k]}`" : "nothing (the block ends)";
                var should = k < expected.Count ? $"`{expected[k]}`" : "nothing (the region ends)";
                problems.Add(
                    $"{where}: the block differs from lines {regionStart}-{regionStart + region.Count - 1} of {path}; first at {doc}:{docLine}: " +
                    $"the doc has {has}, the source has {should}. The source compiles, so copy the region into the doc.");
            }
        }

        return problems;
    }

    /// <summary>Lists the C# blocks of one doc that have neither a snippet marker nor a not-compiled reason on the line before.</summary>
    public static List<string> FindUnmarkedCSharpBlocks(string doc, IReadOnlyList<string> lines) =>
        ReadBlocks(lines)
            .Where(b => IsCSharp(b.Info) && !SnippetMarker().IsMatch(b.LineBefore) && !NotCompiledMarker().IsMatch(b.LineBefore))
            .Select(b => $"{doc}:{b.Line}: a ```{b.Info} block has no snippet marker above it" +
                $"{(b.Content.Count > 0 ? $" (it starts `{b.Content[0].Trim()}`)" : "")}.")
            .ToList();

    /// <summary>Reads the lines between <c>// &lt;snippet:name&gt;</c> and <c>// &lt;/snippet:name&gt;</c>, or null when there is no such region.</summary>
    public static List<string>? ReadRegion(string root, string path, string name, out int firstLine)
    {
        firstLine = 0;
        var file = Path.Combine(root, path);
        if (!File.Exists(file))
        {
            return null;
        }

        var lines = File.ReadAllLines(file);
        var open = Array.FindIndex(lines, l => string.Equals(l.Trim(), $"// <snippet:{name}>", StringComparison.Ordinal));
        var close = Array.FindIndex(lines, l => string.Equals(l.Trim(), $"// </snippet:{name}>", StringComparison.Ordinal));
        if (open < 0 || close <= open)
        {
            return null;
        }

        firstLine = open + 2;
        return lines[(open + 1)..close].ToList();
    }

    /// <summary>Trims trailing whitespace from each line and removes the indentation common to the non-blank lines.</summary>
    public static List<string> Normalize(IEnumerable<string> lines)
    {
        var trimmed = lines.Select(l => l.TrimEnd()).ToList();
        var indent = trimmed.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return trimmed.Select(l => l.Length == 0 ? l : l[indent..]).ToList();
    }

    private static string RegionProblem(string root, string path, string name)
    {
        var file = Path.Combine(root, path);
        if (!File.Exists(file))
        {
            return $"the file {path} does not exist (paths are relative to the repository root). Fix the path in the marker.";
        }

        return $"{path} has no region '// <snippet:{name}>' ... '// </snippet:{name}>' (or it is closed before it opens). " +
            "Add the markers around the code in the source file, or fix the name in the marker.";
    }

    private static bool IsCSharp(string info) =>
        info.Split(' ', 2)[0].ToUpperInvariant() is "CSHARP" or "CS" or "C#";

    private static bool IsClosingFence(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LiveFixtures.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName
            ?? throw new InvalidOperationException($"Could not find the repository root (the directory with LiveFixtures.sln) above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^ {0,3}(?<fence>`{3,}|~{3,})(?<info>[^`]*)$")]
    private static partial Regex FenceLine();

    [GeneratedRegex(@"^\s*<!--\s*snippet:\s*(?<path>[^#\s]+)#(?<name>[^\s]+)\s*-->\s*$")]
    private static partial Regex SnippetMarker();

    [GeneratedRegex(@"^\s*<!--\s*not-compiled:\s*\S.*-->\s*$")]
    private static partial Regex NotCompiledMarker();

    /// <summary>One fenced block: the 1-based line of its opening fence, its info string, the line before it and its content.</summary>
    internal sealed record Block(int Line, string Info, string LineBefore, IReadOnlyList<string> Content, bool Closed);
}
