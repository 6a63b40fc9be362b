using Xunit;

namespace LiveFixtures.Tests.Docs;

/// <summary>
/// Keeps the C# in README.md and docs/*.md honest: every block comes from code that compiles
/// (a region of tests/LiveFixtures.Examples marked with <c>// &lt;snippet:name&gt;</c>), or says why not.
/// </summary>
public sealed class SnippetTests
{
    private static readonly string Root = DocSnippets.RepositoryRoot;

    [Fact]
    public void Snippets_InReadmeAndDocs_EqualTheirSourceRegions()
    {
        var problems = new List<string>();
        var total = 0;
        foreach (var doc in DocSnippets.DocFiles(Root))
        {
            problems.AddRange(DocSnippets.CheckSnippets(Root, doc, Read(doc), out var count));
            total += count;
        }

        Assert.True(total > 0, $"No '<!-- snippet: path#name -->' marker was found in README.md or docs/*.md under {Root}.");
        Assert.True(problems.Count == 0, $"{problems.Count} snippet(s) do not match their source:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
    }

    [Fact]
    public void CSharpBlocks_InReadmeAndDocs_HaveASnippetMarkerOrSayWhyNot()
    {
        var unmarked = DocSnippets.DocFiles(Root).SelectMany(doc => DocSnippets.FindUnmarkedCSharpBlocks(doc, Read(doc))).ToList();

        Assert.True(
            unmarked.Count == 0,
            $"{unmarked.Count} C# block(s) are typed by hand:{Environment.NewLine}{string.Join(Environment.NewLine, unmarked)}{Environment.NewLine}" +
            "Move the code into tests/LiveFixtures.Examples between '// <snippet:name>' and '// </snippet:name>' and put " +
            "'<!-- snippet: path#name -->' on the line above the block; or, when it cannot compile, put '<!-- not-compiled: reason -->' there.");
    }

    [Fact]
    public void CheckSnippets_IndentedRegionWithTrailingSpaces_MatchesDedentedBlock()
    {
        using var repo = new TempRepo();
        repo.Write("src/A.cs", "class A\n{\n    // <snippet:body>\n    void M()   \n    {\n    }\n    // </snippet:body>\n}\n");
        var doc = Lines("<!-- snippet: src/A.cs#body -->", "```csharp", "void M()", "{", "}", "```");

        var problems = DocSnippets.CheckSnippets(repo.Root, "docs/a.md", doc, out var count);

        Assert.Empty(problems);
        Assert.Equal(1, count);
    }

    [Fact]
    public void CheckSnippets_MissingFile_NamesTheDocLineAndPath()
    {
        using var repo = new TempRepo();
        var doc = Lines("# Title", "", "<!-- snippet: src/Nope.cs#x -->", "```csharp", "x();", "```");

        var problem = Assert.Single(DocSnippets.CheckSnippets(repo.Root, "docs/a.md", doc, out _));

        Assert.StartsWith("docs/a.md:3: snippet src/Nope.cs#x: the file src/Nope.cs does not exist", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckSnippets_MissingRegion_NamesTheDocLineAndRegion()
    {
        using var repo = new TempRepo();
        repo.Write("src/A.cs", "// <snippet:other>\nx();\n// </snippet:other>\n");
        var doc = Lines("<!-- snippet: src/A.cs#x -->", "```csharp", "x();", "```");

        var problem = Assert.Single(DocSnippets.CheckSnippets(repo.Root, "README.md", doc, out _));

        Assert.StartsWith("README.md:1: snippet src/A.cs#x: src/A.cs has no region '// <snippet:x>'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckSnippets_ChangedLine_ShowsTheFirstDifference()
    {
        using var repo = new TempRepo();
        repo.Write("src/A.cs", "// <snippet:x>\nfirst();\nsecond();\n// </snippet:x>\n");
        var doc = Lines("<!-- snippet: src/A.cs#x -->", "```csharp", "first();", "typo();", "```");

        var problem = Assert.Single(DocSnippets.CheckSnippets(repo.Root, "docs/a.md", doc, out _));

        Assert.Contains("first at docs/a.md:4: the doc has `typo();`, the source has `second();`", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckSnippets_MarkerWithoutBlock_SaysTheBlockMustFollow()
    {
        using var repo = new TempRepo();
        repo.Write("src/A.cs", "// <snippet:x>\nx();\n// </snippet:x>\n");
        var doc = Lines("<!-- snippet: src/A.cs#x -->", "", "```csharp", "x();", "```");

        var problem = Assert.Single(DocSnippets.CheckSnippets(repo.Root, "docs/a.md", doc, out _));

        Assert.Contains("not immediately followed by a closed ```csharp block", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnmarkedCSharpBlocks_MarkedOrExplained_AreAccepted()
    {
        var doc = Lines(
            "<!-- snippet: src/A.cs#x -->", "```csharp", "x();", "```",
            "<!-- not-compiled: shows an error on purpose -->", "```csharp", "y(;", "```",
            "<!-- not-compiled: -->", "```cs", "z();", "```",
            "```bash", "dotnet test", "```",
            "```csharp", "w();", "```");

        var unmarked = DocSnippets.FindUnmarkedCSharpBlocks("docs/a.md", doc);

        Assert.Equal(["docs/a.md:10: a ```cs block has no snippet marker above it (it starts `z();`).", "docs/a.md:16: a ```csharp block has no snippet marker above it (it starts `w();`)."], unmarked);
    }

    private static string[] Read(string doc) => File.ReadAllLines(Path.Combine(Root, doc));

    private static string[] Lines(params string[] lines) => lines;

    /// <summary>A throwaway directory standing in for the repository root.</summary>
    private sealed class TempRepo : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("livefixtures-docs-").FullName;

        public void Write(string path, string text)
        {
            var file = Path.Combine(Root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}
