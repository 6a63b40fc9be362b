using LiveFixtures.Launching;

namespace LiveFixtures.Containment;

/// <summary>
/// What holds one generation's processes together: prepared before the start (so the app is inside before it can
/// fork), then asked to kill every member and to wait until they are gone.
/// </summary>
internal abstract class GenerationBox : IDisposable
{
    /// <summary>Never set: waiting on it is a synchronous real-time pause for the signal-handler path, which cannot await.</summary>
    private static readonly ManualResetEventSlim Never = new(false);

    /// <summary>Gets the tier this box belongs to.</summary>
    public abstract ContainmentTier Tier { get; }

    /// <summary>Gets the generation's root, once started.</summary>
    protected NativeChild? Root { get; private set; }

    /// <summary>Gets the generation's environment cookie.</summary>
    protected string Cookie { get; private set; } = "";

    /// <summary>
    /// Gets or sets the TCP ports leased to the generation (set before its start): in the process-group tier, an
    /// adopted orphan listening on one of them is the generation's (a daemon that left every other mark).
    /// </summary>
    public IReadOnlyCollection<int> Ports { get; set; } = [];

    /// <summary>Returns the program and argument list that start <paramref name="argv"/> inside the box (a launch shim, or the app itself).</summary>
    public virtual (string Path, IReadOnlyList<string> Argv) Wrap(string executable, IReadOnlyList<string> argv) => (executable, argv);

    /// <summary>Records the started root, from then on a member of the box.</summary>
    public virtual void Attach(NativeChild root, string cookie)
    {
        Root = root;
        Cookie = cookie;
    }

    /// <summary>
    /// Looks at the members now, where the tier needs to have seen a process to know it later (the process-group tier
    /// remembers each one, so that it is still attributed after it left the tree); nothing to do in a cgroup.
    /// </summary>
    public virtual void Observe()
    {
    }

    /// <summary>Counts the living members besides the root, for reports.</summary>
    public abstract int CountOthers();

    /// <summary>Kills every member (the root included) and waits until all are gone and reaped; returns how many besides the root it killed.</summary>
    public async Task<int> KillAllAsync(TimeSpan limit)
    {
        var started = TimeProvider.System.GetTimestamp();
        // Each member counted once: one still being torn down when the next round looks is not killed twice.
        var killed = new HashSet<int>(KillRound());
        for (var round = 1; !Settled() && TimeProvider.System.GetElapsedTime(started) < limit; round++)
        {
            // Real time: this is the kernel tearing processes down. A member forked meanwhile gets the next round.
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System).ConfigureAwait(false);
            if (round % 20 == 0)
            {
                killed.UnionWith(KillRound());
            }
        }

        return killed.Count;
    }

    /// <summary>Like <see cref="KillAllAsync"/>, on the calling thread (a signal handler, the host going down).</summary>
    public int KillAllNow(TimeSpan limit)
    {
        var started = TimeProvider.System.GetTimestamp();
        var killed = new HashSet<int>(KillRound());
        for (var round = 1; !Settled() && TimeProvider.System.GetElapsedTime(started) < limit; round++)
        {
            Never.Wait(1);
            if (round % 20 == 0)
            {
                killed.UnionWith(KillRound());
            }
        }

        return killed.Count;
    }

    /// <summary>Sends SIGKILL to every member still alive; returns the pids besides the root it reached.</summary>
    protected abstract IReadOnlyCollection<int> KillRound();

    /// <summary>Tells whether every member is gone (and reaps those that came back to the host to die).</summary>
    protected abstract bool Settled();

    /// <inheritdoc/>
    public abstract void Dispose();
}
