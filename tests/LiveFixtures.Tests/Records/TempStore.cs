using LiveFixtures.Records;

namespace LiveFixtures.Tests.Records;

/// <summary>A run store in a fresh temporary directory, deleted with everything in it on dispose.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Parent = Directory.CreateTempSubdirectory("lf-store-").FullName;
        Store = new RunStore(Path.Combine(Parent, "state"));
    }

    public string Parent { get; }

    public RunStore Store { get; }

    /// <summary>
    /// Prunes the runs whose hosts are gone first, which deletes the workspaces they kept outside the store (in the
    /// user's temp folder), then deletes the store.
    /// </summary>
    public void Dispose()
    {
        try
        {
            Store.Prune(TimeSpan.Zero, TimeProvider.System.GetUtcNow().AddDays(1));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The store itself still goes.
        }

        Directory.Delete(Parent, recursive: true);
    }

    /// <summary>A run owned by a host that is gone: a pid that cannot exist in this namespace.</summary>
    public static RunRecord DeadRun(string runId, DateTimeOffset started) => new()
    {
        RunId = runId,
        Host = new ProcessIdentity { Pid = int.MaxValue - 7, StartTicks = 1, BootId = ProcessIdentity.CurrentBootId, PidNamespace = ProcessIdentity.CurrentPidNamespace },
        Started = started,
        Updated = started,
    };
}
