namespace LiveFixtures.Timing;

/// <summary>
/// Stops a <see cref="Wait"/> at once, from inside its probe, when the probe knows that waiting longer
/// cannot help (the order was rejected, the file was deleted).
/// </summary>
/// <remarks>
/// The wait fails with a <see cref="TimingAssertionException"/> whose message starts with
/// <see cref="Reason"/>; this exception becomes its inner exception.
/// </remarks>
public sealed class StopWaitingException : Exception
{
    /// <summary>Creates the exception with a generic reason.</summary>
    public StopWaitingException()
        : this("the probe asked to stop waiting")
    {
    }

    /// <summary>Creates the exception with the reason to stop waiting.</summary>
    /// <param name="reason">Why waiting longer cannot help, as a sentence fragment.</param>
    public StopWaitingException(string reason)
        : base(reason)
    {
        Reason = reason;
    }

    /// <summary>Creates the exception with the reason to stop waiting and the exception behind it.</summary>
    /// <param name="reason">Why waiting longer cannot help, as a sentence fragment.</param>
    /// <param name="innerException">The exception that showed that waiting cannot help.</param>
    public StopWaitingException(string reason, Exception? innerException)
        : base(reason, innerException)
    {
        Reason = reason;
    }

    /// <summary>Gets why waiting longer cannot help.</summary>
    public string Reason { get; } = "the probe asked to stop waiting";
}
