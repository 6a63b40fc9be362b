using System.Globalization;
using System.Text;

namespace LiveFixtures.Timing;

public static partial class Cancellation
{
    /// <summary>
    /// Runs an operation once to count its steps, then once per step k, cancelling its token at step k, and asserts
    /// that every cancelled run ends Canceled, with its token, within the budget.
    /// </summary>
    /// <param name="operation">The operation, given a context with the token to observe, the virtual clock to use, and <see cref="CancellationSweepContext.Step"/> to mark await points.</param>
    /// <param name="options">The budget, token rule, and the one step to replay; defaults to <see cref="CancellationSweepOptions"/>'s defaults.</param>
    /// <param name="cancellationToken">The token that stops the sweep; defaults to the current test's token.</param>
    /// <returns>The number of steps the operation takes.</returns>
    /// <exception cref="TimingAssertionException">The operation failed or took no step when not cancelled, or mishandled the cancellation at one or more steps; the message names each step k and how to replay it.</exception>
    /// <remarks>
    /// <para>A step is a call to <see cref="CancellationSweepContext.Step"/> (the token is cancelled inside that call) or a timer armed
    /// on <see cref="CancellationSweepContext.Clock"/> (the token is cancelled once the operation has parked on it). Every run gets a
    /// fresh clock that starts at the same instant and is advanced automatically, so runs are reproducible.</para>
    /// </remarks>
    public static async Task<int> SweepAsync(
        Func<CancellationSweepContext, Task> operation, CancellationSweepOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        options ??= new CancellationSweepOptions();
        options.Validate();
        var caller = TestReport.Resolve(cancellationToken);
        var name = options.OperationName;
        var counting = await SweepRun.RunAsync(operation, null, options, caller).ConfigureAwait(false);
        ThrowIfCountingFailed(counting, name);
        var labels = counting.Context.Labels;
        if (options.OnlyStep > labels.Count)
        {
            throw new TimingAssertionException(
                $"CancellationSweepOptions.OnlyStep is {options.OnlyStep}, but {Durations.MidSentence(name)} now takes only {labels.Count} step(s). Its steps changed since the failure; run the whole sweep again.");
        }

        var steps = options.OnlyStep is { } only ? [only] : Enumerable.Range(1, labels.Count);
        var table = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"Cancellation sweep of {Durations.MidSentence(name)}: {labels.Count} step(s)."));
        var failures = new List<(int Step, string Problem, Exception? Error)>();
        foreach (var step in steps)
        {
            var run = await SweepRun.RunAsync(operation, step, options, caller).ConfigureAwait(false);
            var problem = Judge(run, step, labels.Count, options);
            table.AppendLine().Append(CultureInfo.InvariantCulture, $"step {step,3}  {labels[step - 1],-45}  {problem ?? "ok"}");
            if (problem is not null)
            {
                failures.Add((step, problem, run.Task.IsFaulted ? run.Task.Exception!.GetBaseException() : (run.CallbackErrors.Count > 0 ? run.CallbackErrors[0] : null)));
            }
        }

        if (failures.Count > 0)
        {
            TestReport.Attach("CancellationSweep.txt", table.ToString());
            var message = new StringBuilder(string.Create(
                CultureInfo.InvariantCulture,
                $"The cancellation sweep of {Durations.MidSentence(name)} failed at {failures.Count} of {labels.Count} step(s):"));
            foreach (var (step, problem, _) in failures.Take(10))
            {
                message.AppendLine().Append(CultureInfo.InvariantCulture, $"  step {step} ({labels[step - 1]}): {problem}");
            }

            message.AppendLine().Append(CultureInfo.InvariantCulture, $"Replay just one step with new CancellationSweepOptions {{ OnlyStep = {failures[0].Step} }}; every step is listed in the attachment CancellationSweep.txt.");
            throw new TimingAssertionException(message.ToString(), failures[0].Error);
        }

        return labels.Count;
    }

    private static void ThrowIfCountingFailed(SweepRun.Result counting, string name)
    {
        if (counting.GaveUp is { } reason)
        {
            throw new TimingAssertionException(
                $"{name} did not end when run without cancellation, to count its steps: {reason}. Make it end on its own first.");
        }

        if (!counting.Task.IsCompletedSuccessfully || counting.CallbackErrors.Count > 0)
        {
            var error = counting.Task.IsFaulted ? counting.Task.Exception!.GetBaseException() : (counting.CallbackErrors.Count > 0 ? counting.CallbackErrors[0] : null);
            throw new TimingAssertionException(
                $"{name} ended {CancellationOutcome.Ending(counting.Task)}{(counting.CallbackErrors.Count > 0 ? " and a timer callback threw" : string.Empty)} " +
                "when run without cancellation, so its steps cannot be counted. Fix that failure first.",
                error);
        }

        if (counting.Context.StepsTaken == 0)
        {
            throw new TimingAssertionException(
                $"{name} took no step: it neither called context.Step() nor armed a timer on context.Clock, so there is nothing to cancel at. " +
                "Give it context.Clock as its TimeProvider, or call context.Step() before each await that cancellation should interrupt.");
        }
    }

    private static string? Judge(SweepRun.Result run, int step, int total, CancellationSweepOptions options)
    {
        var name = options.OperationName;
        if (run.Context.CancelledAt is null)
        {
            return run.GaveUp is { } reason
                ? $"it never reached step {step}: {reason}."
                : $"it ended {CancellationOutcome.Ending(run.Task)} after {run.Context.StepsTaken} step(s), before step {step} (the counting run took {total}), " +
                  "so its steps differ from run to run. Make it deterministic: take time from context.Clock and randomness from a fixed seed.";
        }

        if (run.GaveUp is { } stuck)
        {
            return $"after its token was cancelled, {stuck}. It does not observe its token at this step.";
        }

        if (!run.Task.IsCompleted)
        {
            return $"{name} was still running {Durations.Format(options.Budget)} after its token was cancelled: it does not observe its token at this step. Pass the token to the await at this step.";
        }

        if (CancellationOutcome.Explain(run.Task, options.AcceptLinkedTokens, name, run.Context.CancellationToken) is { } verdict)
        {
            return $"{verdict.Problem} {verdict.Fix}";
        }

        return run.CallbackErrors.Count > 0
            ? $"a timer callback threw after cancellation: {Durations.Describe(run.CallbackErrors[0])}."
            : null;
    }
}
