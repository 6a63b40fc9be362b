namespace LiveFixtures;

/// <summary>
/// Carries into a failed test's failure message what LiveFixtures told that test about its process (it died during the
/// test, or the test started on a fresh process after a death), since that may be the real cause of the failure.
/// </summary>
/// <remarks>Thrown only after a guarded test has already failed, so it never fails a test on its own.</remarks>
public sealed class LiveProcessNoticeException : LiveProcessException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The full message.</param>
    public LiveProcessNoticeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception behind it.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The cause.</param>
    public LiveProcessNoticeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance with no message (prefer the other constructors).</summary>
    public LiveProcessNoticeException()
    {
    }
}
