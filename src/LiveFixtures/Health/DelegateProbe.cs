namespace LiveFixtures.Health;

/// <summary>Runs a user's delegate as a probe.</summary>
internal sealed class DelegateProbe(string description, Func<ProbeContext, CancellationToken, ValueTask<ProbeResult>> check) : IProbe
{
    public string Description => description;

    public ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken) =>
        check(context, cancellationToken);
}
