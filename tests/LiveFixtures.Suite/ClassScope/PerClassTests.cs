using System.Net.Http.Json;
using Xunit;

namespace LiveFixtures.Suite.ClassScope;

/// <summary>Records the pid of the class's own app in the test output, twice per class: once per test.</summary>
/// <param name="app">The class's own app.</param>
public abstract class PerClassTests(PerClassAppFixture app) : LiveTest<PerClassAppFixture>(app)
{
    [Fact(Timeout = 30_000)]
    public Task First_RecordsThePid() => RecordPidAsync(TestContext.Current.CancellationToken);

    [Fact(Timeout = 30_000)]
    public Task Second_RecordsThePid() => RecordPidAsync(TestContext.Current.CancellationToken);

    private async Task RecordPidAsync(CancellationToken cancellationToken)
    {
        var state = await Http.GetFromJsonAsync<AppState>("state", cancellationToken);
        TestContext.Current.TestOutputHelper!.WriteLine($"pid {state!.Pid}");

        Assert.Equal(Generation.ProcessId, state.Pid);
        Assert.Equal(1, Generation.Number);
    }
}
