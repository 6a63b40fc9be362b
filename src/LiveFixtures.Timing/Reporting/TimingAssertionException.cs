namespace LiveFixtures.Timing;

/// <summary>
/// Reports that time-dependent or cancellable code under test broke a timing promise: it missed a
/// deadline, ignored cancellation, never reached a condition, raced, or leaked.
/// </summary>
/// <remarks>
/// xUnit reports it as a failed assertion, not an error: it implements an interface named IAssertionException, which xUnit matches by name.
/// Its message is a full sentence that names the cause, shows the evidence and ends with what to do.
/// </remarks>
public sealed class TimingAssertionException : Exception, IAssertionException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TimingAssertionException()
        : base("A timing assertion failed.")
    {
    }

    /// <summary>Creates the exception with the given message.</summary>
    /// <param name="message">The full-sentence description of the failure.</param>
    public TimingAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the given message and the exception that caused it.</summary>
    /// <param name="message">The full-sentence description of the failure.</param>
    /// <param name="innerException">The exception that caused the failure.</param>
    public TimingAssertionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
