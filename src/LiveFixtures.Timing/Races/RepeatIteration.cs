namespace LiveFixtures.Timing;

/// <summary>Gives one iteration of <see cref="Repeat"/> its index, its seed and a random generator made from that seed.</summary>
/// <param name="Index">The index of the iteration, from 0.</param>
/// <param name="Seed">The seed of this iteration's <see cref="Random"/>.</param>
/// <param name="Random">The random generator the body must take all its randomness from, so that the iteration can be replayed.</param>
/// <param name="CancellationToken">The token that is cancelled when the repetition is stopped.</param>
public readonly record struct RepeatIteration(int Index, int Seed, Random Random, CancellationToken CancellationToken);
