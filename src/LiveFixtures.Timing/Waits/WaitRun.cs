using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.Retry;

namespace LiveFixtures.Timing;

/// <summary>Runs one <see cref="Wait"/>: probes on a Polly backoff, watches for deaths, and explains failures.</summary>
internal sealed class WaitRun
{
    private readonly Func<CancellationToken, ValueTask<Observation>> _probe;
    private readonly WaitOptions _options;
    private readonly CancellationToken _caller;
    private readonly ObservationLog _log;

    private WaitRun(Func<CancellationToken, ValueTask<Observation>> probe, WaitOptions? options, CancellationToken cancellationToken)
    {
        _options = options ?? new WaitOptions();
        _options.Validate();
        _probe = probe;
        _caller = TestReport.Resolve(cancellationToken);
        _log = new ObservationLog(_options.ObservationsShown, _options.TimeProvider);
    }

    public static async Task<object?> EventuallyAsync(
        Func<CancellationToken, ValueTask<Observation>> probe, WaitOptions? options, CancellationToken cancellationToken)
    {
        var run = new WaitRun(probe, options, cancellationToken);
        var observation = await run.RunAsync(consistently: false, run._options.Timeout).ConfigureAwait(false);
        return observation.Value;
    }

    public static async Task ConsistentlyAsync(
        Func<CancellationToken, ValueTask<Observation>> probe, TimeSpan duration, WaitOptions? options, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var run = new WaitRun(probe, options, cancellationToken);
        await run.RunAsync(consistently: true, duration).ConfigureAwait(false);
    }

    private async Task<Observation> RunAsync(bool consistently, TimeSpan span)
    {
        var timeProvider = _options.TimeProvider;
        using var deaths = new DeathWatch(_options.Watch);
        VirtualTimeProvider.OwnTimers("Wait probe delay"); // The wait's own timers are not steps of the code under test.
        using var spanEnd = span == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(span, timeProvider);
        using var abandon = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_caller, spanEnd.Token, deaths.Token, abandon.Token);
        var pipeline = new ResiliencePipelineBuilder<Observation> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<Observation>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && args.Outcome.Result.Holds == consistently),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = _options.FirstDelay,
                MaxDelay = _options.MaxDelayFor(span),
                UseJitter = _options.UseJitter,
            })
            .Build();
        // When the wait ends by a death or its timeout, a cancelled Task.Delay resumes on the thread pool:
        // hold a virtual clock from that moment until the wait has finished, so that no advance outruns it.
        using var endHold = new ClockHold(timeProvider as VirtualTimeProvider);
        using var onEnd = linked.Token.UnsafeRegister(static state => ((ClockHold)state!).Take(), endHold);
        try
        {
            var run = pipeline.ExecuteAsync(ProbeAsync, linked.Token).AsTask();
            if (timeProvider is VirtualTimeProvider virtualClock)
            {
                try
                {
                    await virtualClock.WaitAdvancedAsync(run, $"{(consistently ? "Wait.ConsistentlyAsync" : "Wait.EventuallyAsync")} (for {_options.Description})", _caller).ConfigureAwait(false);
                }
                catch (TimingAssertionException)
                {
                    await abandon.CancelAsync().ConfigureAwait(false);
                    CancellationOutcome.Abandon(run);
                    throw;
                }
            }

            var last = await run.ConfigureAwait(false);
            return consistently ? throw Broken(last, span) : last;
        }
        catch (StopWaitingException stop)
        {
            throw Stopped(stop, consistently, span);
        }
        catch (OperationCanceledException) when (!_caller.IsCancellationRequested && deaths.Death is { } death)
        {
            throw Died(death, consistently, span);
        }
        catch (OperationCanceledException) when (!_caller.IsCancellationRequested && spanEnd.IsCancellationRequested)
        {
            if (!consistently)
            {
                throw new TimingAssertionException(
                    $"Waited {Durations.Format(span)} for {_options.Description}, but it did not hold in {_log.Total} probe(s).{_log.Format()}{Environment.NewLine}" +
                    "Check why it does not hold (the last observation is the latest evidence), or raise WaitOptions.Timeout if it legitimately needs longer.");
            }

            var final = await ProbeAsync(_caller).ConfigureAwait(false);
            return final.Holds ? final : throw Broken(final, span);
        }
    }

    [SuppressMessage("Design", "CA1031", Justification = "Any exception from a probe is an observation, except the ones that end the wait.")]
    private async ValueTask<Observation> ProbeAsync(CancellationToken token)
    {
        VirtualTimeProvider.UserTimers(); // Timers the probe arms belong to the code under test.

        Observation observation;
        Task<Observation>? pending = null;
        try
        {
            pending = _probe(token).AsTask();
            observation = await pending.WaitAsync(token).ConfigureAwait(false);
        }
        catch (StopWaitingException)
        {
            throw;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            pending?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
        catch (Exception exception)
        {
            observation = new Observation(false, Durations.Describe(exception), null);
        }

        _log.Add(observation.Text);
        return observation;
    }

    private TimingAssertionException Broken(Observation observation, TimeSpan window) => new(
        $"{Durations.Sentence(_options.Description)} stopped holding {Durations.Format(_log.Elapsed)} into the {Durations.Format(window)} window " +
        $"in which it had to hold: {observation.Text}.{_log.Format()}{Environment.NewLine}" +
        "Find what changes it (the observations above show when), or shorten the window if it only has to hold for a while.");

    private TimingAssertionException Stopped(StopWaitingException stop, bool consistently, TimeSpan span) => new(
        $"Stopped {Doing(consistently)} after {Durations.Format(_log.Elapsed)}: the probe gave up because {stop.Reason}.{_log.Format()}{Environment.NewLine}" +
        $"Waiting longer could not help, so the wait did not run out its {Durations.Format(span)}; fix the cause the probe reported.",
        stop);

    private TimingAssertionException Died(Death death, bool consistently, TimeSpan span) => new(
        $"Stopped {Doing(consistently)} after {Durations.Format(_log.Elapsed)}, because {death.Name} died: {death.Cause}.{death.Evidence}{_log.Format()}{Environment.NewLine}" +
        $"The wait did not run out its {Durations.Format(span)}; find out why {death.Name} died (the evidence is above).");

    private string Doing(bool consistently) =>
        consistently ? $"checking that {_options.Description} keeps holding" : $"waiting for {_options.Description}";

    /// <summary>One probe result: whether the condition held, how to show it, and the probed value.</summary>
    internal readonly record struct Observation(bool Holds, string Text, object? Value);
}
