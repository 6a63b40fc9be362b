using System.Text.RegularExpressions;
using LiveFixtures.Output;

namespace LiveFixtures;

public sealed partial class LiveProcess
{
    /// <summary>
    /// Gets a task that completes, with the record of the exit, the moment the current generation's process exits.
    /// </summary>
    /// <exception cref="InvalidOperationException">No generation is running: call <see cref="EnsureReadyAsync"/> first.</exception>
    public Task<DeathRecord> WhenExited =>
        (_current ?? throw new InvalidOperationException($"LiveProcess '{Name}' has no running generation: call EnsureReadyAsync first.")).ExitRecord.Task;

    /// <summary>
    /// Waits until the current generation writes a line matching <paramref name="pattern"/>, and fails at once
    /// if the process exits first.
    /// </summary>
    /// <param name="pattern">The pattern to look for.</param>
    /// <param name="since">Where to start looking; default: lines written from now on. Take a mark with
    /// <c>Output.Mark()</c> before the action that causes the line, so a quick line is not missed.</param>
    /// <param name="timeout">How long to wait; default 60 s.</param>
    /// <param name="cancellationToken">Cancels the wait; when not given inside a test, the test's token is used.</param>
    /// <returns>The first matching line.</returns>
    /// <exception cref="LiveProcessDiedException">The process exited before writing the line.</exception>
    /// <exception cref="LiveProcessException">No such line within the timeout.</exception>
    public async Task<OutputLine> WaitForOutputAsync(Regex pattern, OutputMark? since = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        cancellationToken = OrTestToken(cancellationToken);
        var spawned = _current ?? throw new InvalidOperationException($"LiveProcess '{Name}' has no running generation: call EnsureReadyAsync first.");
        var from = since is { } mark && mark.Generation == spawned.Generation ? mark.Sequence : since is null ? spawned.Output.Mark().Sequence : 0;
        var found = new TaskCompletionSource<OutputLine>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = spawned.Output.Subscribe(
            line =>
            {
                if (pattern.IsMatch(line.Text))
                {
                    found.TrySetResult(line);
                }
            },
            from,
            replay: true);
        using var timer = new CancellationTokenSource(limit, _spec.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var gaveUp = Task.Delay(Timeout.InfiniteTimeSpan, linked.Token);
        var first = await Task.WhenAny(found.Task, spawned.ExitRecord.Task, gaveUp).ConfigureAwait(false);
        if (found.Task.IsCompleted)
        {
            return found.Task.Result;
        }

        if (first == spawned.ExitRecord.Task)
        {
            var death = await spawned.ExitRecord.Task.ConfigureAwait(false);
            throw new LiveProcessDiedException(
                $"Stopped waiting for a line matching /{pattern}/: LiveProcess {death}{Environment.NewLine}The wait was cut short instead of timing out; the next EnsureReadyAsync starts a new generation.",
                death)
            {
                ProcessName = Name,
            };
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new LiveProcessException(
            $"LiveProcess '{Name}' (generation {spawned.Generation}, pid {spawned.Pid}) is alive but wrote no line matching /{pattern}/ within {Seconds(limit)}.{Environment.NewLine}" +
            $"Last output:{Environment.NewLine}{OutputLog.Format(spawned.Output.Tail(_spec.OutputTailLines))}{Environment.NewLine}" +
            "Check the pattern against the output above, or take the mark before the action that writes the line.")
        {
            ProcessName = Name,
        };
    }
}
