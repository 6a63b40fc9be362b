using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace LiveFixtures.Timing;

/// <summary>
/// Repeats a test body many times with seeded randomness, and makes the data of the failing iteration replayable
/// from the seed printed in the failure message.
/// </summary>
/// <remarks>The seed fixes the data each iteration takes from <see cref="RepeatIteration.Random"/>, nothing else: the order
/// in which threads run, and so an interleaving that made an iteration fail, is not replayed.</remarks>
public static class Repeat
{
    /// <summary>Runs a body once per iteration, each with its own seeded <see cref="Random"/>, stopping at the first failure.</summary>
    /// <param name="iterations">How many times to run the body.</param>
    /// <param name="body">The body, given the iteration; it must take all its randomness from <see cref="RepeatIteration.Random"/>.</param>
    /// <param name="options">The seed and the iteration to replay; defaults to a new random seed and every iteration.</param>
    /// <param name="cancellationToken">The token that stops the repetition; defaults to the current test's token.</param>
    /// <returns>A task that completes when every iteration has passed.</returns>
    /// <exception cref="TimingAssertionException">An iteration threw; the message gives its index, its seed and how to replay it.</exception>
    [SuppressMessage("Security", "CA5394", Justification = "Test data, not security: the randomness must be reproducible from a seed.")]
    public static async Task RunAsync(
        int iterations, Func<RepeatIteration, Task> body, RepeatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentNullException.ThrowIfNull(body);
        options ??= new RepeatOptions();
        options.Validate(iterations);
        var token = TestReport.Resolve(cancellationToken);
        var baseSeed = options.Seed ?? Random.Shared.Next();
        TestReport.Output(string.Create(CultureInfo.InvariantCulture, $"Repeat: base seed {baseSeed}, {iterations} iteration(s); the seed replays the data the iterations take from iteration.Random (new RepeatOptions {{ Seed = {baseSeed} }}), not the order in which threads ran."));
        var first = options.OnlyIteration ?? 0;
        var last = options.OnlyIteration ?? iterations - 1;
        for (var index = first; index <= last; index++)
        {
            token.ThrowIfCancellationRequested();
            var seed = IterationSeed(baseSeed, index);
            try
            {
                await body(new RepeatIteration(index, seed, new Random(seed), token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception error)
            {
                throw new TimingAssertionException(
                    string.Create(CultureInfo.InvariantCulture, $"Iteration {index} of {iterations} failed (iteration seed {seed}, base seed {baseSeed}): {Durations.Describe(error)}") +
                    Environment.NewLine +
                    string.Create(CultureInfo.InvariantCulture, $"The seed replays this iteration's data, what it took from iteration.Random: new RepeatOptions {{ Seed = {baseSeed}, OnlyIteration = {index} }}. ") +
                    "It does not replay thread interleavings or timing, so a failure that came from a race may not come back on replay: " +
                    "if the data alone does not reproduce it, look for shared state that two threads change (Race with RaceOptions makes such races more likely, never certain).",
                    error);
            }
        }
    }

    /// <summary>Runs a synchronous body once per iteration, each with its own seeded <see cref="Random"/>, stopping at the first failure.</summary>
    /// <param name="iterations">How many times to run the body.</param>
    /// <param name="body">The body, given the iteration; it must take all its randomness from <see cref="RepeatIteration.Random"/>.</param>
    /// <param name="options">The seed and the iteration to replay; defaults to a new random seed and every iteration.</param>
    /// <param name="cancellationToken">The token that stops the repetition; defaults to the current test's token.</param>
    /// <returns>A task that completes when every iteration has passed.</returns>
    /// <exception cref="TimingAssertionException">An iteration threw; the message gives its index, its seed and how to replay it.</exception>
    public static Task RunAsync(
        int iterations, Action<RepeatIteration> body, RepeatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(
            iterations,
            iteration =>
            {
                body(iteration);
                return Task.CompletedTask;
            },
            options,
            cancellationToken);
    }

    /// <summary>Derives the seed of an iteration from the base seed (a SplitMix-style mix, so neighbouring iterations differ a lot).</summary>
    internal static int IterationSeed(int baseSeed, int index)
    {
        unchecked
        {
            var z = ((ulong)(uint)baseSeed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (int)(z ^ (z >> 31)) & int.MaxValue;
        }
    }
}
