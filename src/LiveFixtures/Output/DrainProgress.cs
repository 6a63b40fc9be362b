namespace LiveFixtures.Output;

/// <summary>
/// Where a <see cref="PipeDrain"/> is: waiting for bytes, or holding bytes it read but has not yet put into the log.
/// Lets a death record wait for lines the process wrote before it exited that are already out of the pipe but not yet
/// in the log (an empty pipe alone does not mean they arrived).
/// </summary>
/// <remarks>Safe under parallel use: written by the drain, read by anyone.</remarks>
internal sealed class DrainProgress
{
    private int _waiting;
    private long _reads;

    /// <summary>Gets whether the drain is waiting for bytes (or has ended), holding none it has not yet logged.</summary>
    public bool Waiting => Volatile.Read(ref _waiting) == 1;

    /// <summary>Gets how many reads the drain has finished so far.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Called by the drain right before it waits for bytes.</summary>
    public void WaitingForBytes() => Volatile.Write(ref _waiting, 1);

    /// <summary>Called by the drain as soon as a read returned, before it splits and logs what it read.</summary>
    public void Read()
    {
        Interlocked.Increment(ref _reads);
        Volatile.Write(ref _waiting, 0);
    }
}
