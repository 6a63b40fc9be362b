using Xunit;

namespace LiveFixtures.Tests.Launching;

public sealed class StartFileTests
{
    [Fact(Timeout = 30_000)]
    public async Task WithFile_EachGeneration_GetsItsOwnFileWithPlaceholdersResolved()
    {
        var token = TestContext.Current.CancellationToken;
        await using var sleeper = new LiveProcessBuilder("sleep")
            .WithArguments("300")
            .WithPort("web")
            .WithFile("conf/app.conf", "listen {port:web};\nstate {workspace}/state;\ngeneration {generation};\nhttp { server { } } {unknown}\n")
            .WithStopGrace(TimeSpan.Zero)
            .Build();

        var first = await sleeper.EnsureReadyAsync(token);
        var firstText = await File.ReadAllTextAsync(Path.Combine(first.WorkspacePath!, "conf", "app.conf"), token);
        await sleeper.StopAsync(cancellationToken: token);
        var second = await sleeper.EnsureReadyAsync(token);
        var secondText = await File.ReadAllTextAsync(Path.Combine(second.WorkspacePath!, "conf", "app.conf"), token);

        Assert.Equal($"listen {first.Ports["web"]};\nstate {first.WorkspacePath}/state;\ngeneration 1;\nhttp {{ server {{ }} }} {{unknown}}\n", firstText);
        Assert.NotEqual(first.WorkspacePath, second.WorkspacePath);
        Assert.Equal($"listen {second.Ports["web"]};\nstate {second.WorkspacePath}/state;\ngeneration {second.Number};\nhttp {{ server {{ }} }} {{unknown}}\n", secondText);
    }

    [Fact]
    public void Build_FileOutsideTheWorkspaceOrUndeclaredPort_ListsEveryProblem()
    {
        var error = Assert.Throws<LiveProcessConfigurationException>(() => new LiveProcessBuilder("sleep")
            .WithPortFromOutput("late")
            .WithFile("/etc/app.conf", "x")
            .WithFile("../app.conf", "x")
            .WithFile("a.conf", "port {port:db}")
            .WithFile("./a.conf", "port {port:late}")
            .Build());

        Assert.Collection(
            error.Problems.Where(p => p.Contains("(WithFile)", StringComparison.Ordinal)),
            p => Assert.StartsWith("The file '/etc/app.conf' (WithFile) must be a relative path inside the workspace", p, StringComparison.Ordinal),
            p => Assert.StartsWith("The file '../app.conf' (WithFile) must be a relative path inside the workspace", p, StringComparison.Ordinal),
            p => Assert.Equal("The file 'a.conf' (WithFile) uses {port:db}, but no port named 'db' was declared: add WithPort(\"db\") or WithFixedPort(\"db\", number).", p),
            p => Assert.Equal("The file './a.conf' (WithFile) is written twice: pass each file to WithFile once.", p),
            p => Assert.StartsWith("The file './a.conf' (WithFile) uses {port:late}, but that port is read from the app's output", p, StringComparison.Ordinal));
    }
}
