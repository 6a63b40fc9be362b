namespace LiveFixtures.Timing;

/// <summary>Says what a <see cref="LeakGuard"/> does when it finds a leak.</summary>
public enum LeakAction
{
    /// <summary>Throws a <see cref="TimingAssertionException"/>, failing the test.</summary>
    Fail,

    /// <summary>Adds a warning to the test's result and lets the test pass.</summary>
    Warn,
}
