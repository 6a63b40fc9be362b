using LiveFixtures.Launching;
using Xunit;

namespace LiveFixtures.Tests.Launching;

public sealed class PlaceholdersTests
{
    private static readonly HashSet<string> Ports = ["port", "hook"];

    [Theory]
    [InlineData("--port={port}", "--port=5000")]
    [InlineData("{port:hook}", "6000")]
    [InlineData("{{literal}} {generation}", "{literal} 3")]
    [InlineData("{workspace}/x", "/ws/x")]
    public void Resolve_KnownPlaceholders_AreReplaced(string template, string expected)
    {
        var result = Placeholders.Resolve(template, (name, argument) => (name, argument) switch
        {
            ("port", null) => "5000",
            ("port", "hook") => "6000",
            ("generation", _) => "3",
            ("workspace", _) => "/ws",
            _ => null,
        });

        Assert.Equal(expected, result);
    }

    [Theory]
    [InlineData("{prot}", "unknown placeholder {prot}")]
    [InlineData("{port:web}", "no port named 'web'")]
    [InlineData("{workspace}", "WithWorkspace()")]
    [InlineData("{port", "never closed")]
    [InlineData("a}b", "lone '}'")]
    public void Validate_BadTemplate_NamesTheProblemAndFix(string template, string expected)
    {
        var problems = Placeholders.Validate(template, "Argument 0", Ports, hasWorkspace: false).ToList();

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GoodTemplate_HasNoProblems()
    {
        Assert.Empty(Placeholders.Validate("http://127.0.0.1:{port:hook}/{{x}}", "URL", Ports, hasWorkspace: false));
    }
}
