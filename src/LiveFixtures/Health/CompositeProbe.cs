namespace LiveFixtures.Health;

/// <summary>Combines probes: all must pass, or any one.</summary>
internal sealed class CompositeProbe(IReadOnlyList<IProbe> probes, bool requireAll) : IProbe
{
    public IReadOnlyList<IProbe> Probes => probes;

    public string Description => string.Join(requireAll ? " and " : " or ", probes.Select(p => p.Description));

    public bool IsEventDriven => probes.All(p => p.IsEventDriven);

    public async ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var seen = new List<string>(probes.Count);
        foreach (var probe in probes)
        {
            var result = await probe.CheckAsync(context, cancellationToken).ConfigureAwait(false);
            if (result.IsHealthy != requireAll)
            {
                // all: the first failure decides; any: the first success decides.
                return result;
            }

            seen.Add(result.Description);
        }

        return new ProbeResult(requireAll, string.Join("; ", seen));
    }
}
