namespace LiveFixtures.Records;

/// <summary>
/// The health of every fixture (handle name) of this run, kept in memory as the run goes: what the end-of-run summary
/// and the health snapshots are made of. Handles of the same name (class fixtures of one type) add up into one entry.
/// </summary>
/// <remarks>
/// The seam for what users see: <see cref="SummaryLines"/> gives the summary line per fixture at any moment, and
/// <see cref="Snapshots"/> copies of the snapshots. Thread-safe; cheap (no I/O: the snapshots are written to the run
/// store by the run's background writer).
/// </remarks>
internal static class RunHealth
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, FixtureHealth> Fixtures = new(StringComparer.Ordinal);

    /// <summary>Gets one summary line per fixture of this run, in the order the fixtures first started, in their current state.</summary>
    /// <returns>Lines such as "LiveGui: 2 generations, 1 death — CrashingTests.Crash_KillsTheSharedApp, exit code 134 (SIGABRT)".</returns>
    public static IReadOnlyList<string> SummaryLines()
    {
        lock (Gate)
        {
            return [.. Fixtures.Values.Select(f => f.Summary())];
        }
    }

    /// <summary>Gets a copy of every fixture's health snapshot of this run, in the order the fixtures first started.</summary>
    /// <returns>Copies: changing them changes nothing.</returns>
    public static IReadOnlyList<FixtureHealth> Snapshots()
    {
        lock (Gate)
        {
            return [.. Fixtures.Values.Select(f => f.Copy())];
        }
    }

    /// <summary>Gets a copy of one fixture's snapshot, or null when no handle of that name has started in this run.</summary>
    public static FixtureHealth? Snapshot(string fixture)
    {
        lock (Gate)
        {
            return Fixtures.TryGetValue(fixture, out var health) ? health.Copy() : null;
        }
    }

    /// <summary>Applies a change to one fixture's health (created on first use); the caller tells its run's writer.</summary>
    internal static void Update(string fixture, string runId, Action<FixtureHealth> change)
    {
        lock (Gate)
        {
            if (!Fixtures.TryGetValue(fixture, out var health))
            {
                Fixtures[fixture] = health = new FixtureHealth { Fixture = fixture, RunId = runId };
            }

            change(health);
        }
    }

    /// <summary>Marks every snapshot final: the run is ending.</summary>
    internal static void Finish()
    {
        lock (Gate)
        {
            foreach (var health in Fixtures.Values)
            {
                health.Final = true;
            }
        }
    }
}
