using LiveFixtures.Output;

namespace LiveFixtures;

/// <summary>Holds what a guarded test started with; disposing it checks what the test did to the process.</summary>
internal sealed class LiveTestScope : IAsyncDisposable
{
    private readonly LiveProcessFixture _fixture;
    private int _disposed;

    internal LiveTestScope(LiveProcessFixture fixture, LiveGeneration generation, OutputMark mark, IDisposable tracking)
    {
        _fixture = fixture;
        Generation = generation;
        Mark = mark;
        Tracking = tracking;
    }

    /// <summary>Gets the generation the test started on.</summary>
    public LiveGeneration Generation { get; }

    /// <summary>Gets the display name the test is tracked under.</summary>
    public string TestName { get; init; } = "";

    /// <summary>Gets the respawn notice the test was given when it began, if any.</summary>
    public string? Notice { get; init; }

    /// <summary>Gets the point in the output where the test started.</summary>
    public OutputMark Mark { get; }

    internal IDisposable Tracking { get; }

    /// <summary>Checks the process after the test: records a death or degrade against it with a warning and its output.</summary>
    /// <returns>A task that completes when the check is done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _fixture.EndTestAsync(this).ConfigureAwait(false);
        }
    }
}
