namespace LiveFixtures;

/// <summary>Names the stream a line of output came from.</summary>
public enum OutputSource
{
    /// <summary>The process's standard output.</summary>
    StdOut,

    /// <summary>The process's standard error.</summary>
    StdErr,
}
