namespace LiveFixtures.TestApp;

/// <summary>Replaces the console lifetime so that only <see cref="SignalHandlers"/> reacts to signals.</summary>
internal sealed class ManualHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
