using System.Text.RegularExpressions;
using Xunit;

namespace LiveFixtures.Tests.Docs;

/// <summary>CI runs the very test command the README gives a newcomer, not a variant of it.</summary>
public sealed class ReadmeCommandTests
{
    [Fact]
    public void CiRun_TestCommand_IsTheReadmesSecondCommandExactly()
    {
        var root = DocSnippets.RepositoryRoot;
        var readme = File.ReadAllLines(Path.Combine(root, "README.md"));
        var fence = Array.IndexOf(readme, "```bash");
        Assert.True(fence >= 0, "README.md has no bash block at its start");
        var readmeCommand = Normalize(readme[fence + 2].Split("  #", 2)[0]);

        var ci = File.ReadAllLines(Path.Combine(root, ".ci", "run"));
        var marker = Array.FindIndex(ci, l => l.StartsWith("# The README's test command, exactly", StringComparison.Ordinal));
        Assert.True(marker >= 0, ".ci/run has no marker before its test command");
        var lines = new List<string>();
        for (var i = marker + 1; i < ci.Length; i++)
        {
            lines.Add(ci[i].TrimEnd('\\'));
            if (!ci[i].EndsWith('\\'))
            {
                break;
            }
        }

        Assert.StartsWith("dotnet test ", readmeCommand, StringComparison.Ordinal);
        Assert.Equal(readmeCommand, Normalize(string.Join(' ', lines)));
    }

    private static string Normalize(string command) => Regex.Replace(command.Trim(), @"\s+", " ");
}
