namespace LiveFixtures;

/// <summary>
/// Tunes how a liveness check tells a slow app from a hung or broken one: each check makes up to
/// <see cref="FailureThreshold"/> attempts and marks the app Degraded only when all of them fail in a row.
/// </summary>
/// <remarks>
/// A check that ends healthy costs one probe. A check of an app that answers unhealthy (a 503, say) costs
/// <see cref="FailureThreshold"/> answers and the intervals between them; one of an app that never answers costs at
/// most <see cref="MaxCheckDuration"/>. An app stopped by a signal (state T, such as SIGSTOP) is found after one
/// <see cref="Timeout"/>, as the kernel says it cannot answer.
/// </remarks>
public sealed class LivenessOptions
{
    /// <summary>Gets or sets how long one attempt may take before it counts as "no answer".</summary>
    /// <value>Default 2 s; must be positive.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many attempts in a row must fail (no answer, or answered unhealthy) before the app is Degraded.</summary>
    /// <value>Default 3, as Kubernetes probes; 1 to 10. 1 marks the app Degraded on its first failed attempt.</value>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>Gets or sets the pause between a failed attempt and the next one.</summary>
    /// <value>Default 100 ms; zero or more, at most 10 s.</value>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets the most one check can take: every attempt timing out, with the pauses between them.</summary>
    /// <value>With the defaults, 6.2 s.</value>
    public TimeSpan MaxCheckDuration => (Timeout * FailureThreshold) + (RetryInterval * Math.Max(0, FailureThreshold - 1));

    internal LivenessOptions Copy() => new() { Timeout = Timeout, FailureThreshold = FailureThreshold, RetryInterval = RetryInterval };
}
