using System.Runtime.ExceptionServices;

namespace LiveFixtures.Tests.Output;

/// <summary>
/// Runs the same few actions at once, on dedicated threads released together by a barrier, round after round: a
/// stress that makes races show up in thousands of rounds within a second or two, without a thread pool in between.
/// </summary>
internal static class ConcurrentRounds
{
    /// <summary>Runs <paramref name="rounds"/> rounds: <paramref name="setUp"/>, then every action at once, then <paramref name="check"/>.</summary>
    public static Task RunAsync(int rounds, Action<int> setUp, Action<int> check, CancellationToken cancellationToken, params Action[] actions) =>
        Task.Run(() => Run(rounds, setUp, check, actions, cancellationToken), cancellationToken);

    private static void Run(int rounds, Action<int> setUp, Action<int> check, Action[] actions, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var barrier = new Barrier(actions.Length + 1);
        ExceptionDispatchInfo? failure = null;
        var threads = actions.Select(action => new Thread(() =>
        {
            try
            {
                for (var round = 0; round < rounds; round++)
                {
                    barrier.SignalAndWait(stop.Token);
                    try
                    {
                        action();
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    }

                    barrier.SignalAndWait(stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The rounds were stopped: a check failed, or the test was cancelled.
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                setUp(round);
                barrier.SignalAndWait(stop.Token); // go
                barrier.SignalAndWait(stop.Token); // all done
                failure?.Throw();
                check(round);
            }
        }
        finally
        {
            stop.Cancel();
            threads.ForEach(t => t.Join());
            barrier.Dispose();
        }
    }
}
