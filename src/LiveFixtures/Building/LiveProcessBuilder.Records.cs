namespace LiveFixtures;

public sealed partial class LiveProcessBuilder
{
    /// <summary>
    /// Marks a value that appears in the arguments (a token, a password) as secret: run records store <c>***</c> in its
    /// place, inside any argument that contains it. Environment values are never stored.
    /// </summary>
    /// <param name="value">The secret value, as it appears in an argument after placeholders are resolved.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithSecret(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return new(_spec with { Secrets = _spec.Secrets.Add(value) });
    }

    /// <summary>
    /// Sets what the first start in a run does about processes an earlier run of this fixture left running (its
    /// host was killed): reap them, warn, or fail. The environment variable <c>LIVEFIXTURES_LEFTOVERS</c>
    /// (<c>reap</c>, <c>warn</c>, <c>fail</c>) wins over this setting, so that CI can choose for every fixture.
    /// </summary>
    /// <param name="policy">Default <see cref="LeftoverPolicy.Reap"/>.</param>
    /// <returns>A changed copy.</returns>
    public LiveProcessBuilder WithLeftovers(LeftoverPolicy policy)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "Use LeftoverPolicy.Reap, Warn or Fail.");
        }

        return new(_spec with { Leftovers = policy });
    }

    /// <summary>Uses the run store at <paramref name="root"/> instead of the per-user one (tests).</summary>
    internal LiveProcessBuilder WithRunStore(string root) => new(_spec with { RunStoreRoot = root });
}
