namespace LiveFixtures;

/// <summary>Is the base of every failure the handle reports about its process.</summary>
public class LiveProcessException : Exception
{
    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The full message.</param>
    public LiveProcessException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception behind it.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The cause.</param>
    public LiveProcessException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance with no message (prefer the other constructors).</summary>
    public LiveProcessException()
    {
    }

    /// <summary>Gets the name of the process, when the failure concerns one.</summary>
    public string? ProcessName { get; init; }
}
