namespace LiveFixtures;

/// <summary>Reports that a generation could not be started or never became ready, with the cause and the output.</summary>
public class LiveProcessStartException : LiveProcessException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="death">The record of the failed generation, when it was started at all.</param>
    /// <param name="innerException">The cause, when there is one.</param>
    public LiveProcessStartException(string message, DeathRecord? death = null, Exception? innerException = null)
        : base(message, innerException) => Death = death;

    /// <summary>Gets the record of the failed generation: exit code, signal, output tail; null when it never ran.</summary>
    public DeathRecord? Death { get; }

    /// <summary>Gets the failed attempt when this failure is retried at once (transient), rather than thrown to the caller.</summary>
    internal StartAttempt? RetriedAs { get; init; }

    /// <summary>
    /// Makes a new instance with the same message, record and cause, for another caller that waited for the same
    /// start: one instance thrown on many threads at once would have its stack trace written by all of them.
    /// </summary>
    internal virtual LiveProcessStartException CopyForAnotherCaller() =>
        new(Message, Death, InnerException) { ProcessName = ProcessName };
}
