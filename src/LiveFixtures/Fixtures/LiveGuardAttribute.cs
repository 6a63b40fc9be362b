using System.Collections.Concurrent;
using System.Reflection;
using Xunit;
using Xunit.v3;

namespace LiveFixtures;

/// <summary>
/// Guards tests without a base class: put it on a test class, a test method or the whole assembly,
/// naming a fixture that the tests already have (assembly, collection or class fixture). Before each test the
/// process is made ready (respawned if dead or degraded, with the notice); after it, a death or degrade during
/// the test is recorded against it, with a warning and its output attached.
/// </summary>
/// <remarks>
/// xUnit runs these hooks synchronously, so the guard blocks a thread while the process starts; the
/// <see cref="LiveTest{TFixture}"/> base class does the same work asynchronously.
/// </remarks>
/// <example><code>[assembly: LiveGuard(typeof(LiveGuiFixture))]</code></example>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true)]
public sealed class LiveGuardAttribute : BeforeAfterTestAttribute
{
    /// <summary>
    /// The guarded tests now running, one entry per test and fixture however many guards name that fixture (on the
    /// assembly and on the class, say): a second guard shares the first one's scope instead of replacing it, which would
    /// leave the first scope tracking its test for good and blame every later death on it.
    /// </summary>
    private static readonly ConcurrentDictionary<(string Test, Type Fixture), Guarded> Scopes = new();

    /// <summary>Initializes the guard for the fixture of type <paramref name="fixtureType"/>.</summary>
    /// <param name="fixtureType">A <see cref="LiveProcessFixture"/> subclass the guarded tests have as a fixture.</param>
    /// <exception cref="ArgumentException"><paramref name="fixtureType"/> is not a <see cref="LiveProcessFixture"/>.</exception>
    public LiveGuardAttribute(Type fixtureType)
    {
        ArgumentNullException.ThrowIfNull(fixtureType);
        if (!typeof(LiveProcessFixture).IsAssignableFrom(fixtureType))
        {
            throw new ArgumentException($"[LiveGuard(typeof({fixtureType.Name}))] needs a LiveProcessFixture subclass; {fixtureType.FullName} is not one.", nameof(fixtureType));
        }

        FixtureType = fixtureType;
    }

    /// <summary>Gets the fixture type the guard uses.</summary>
    public Type FixtureType { get; }

    /// <inheritdoc/>
    /// <remarks>When another guard already guards this test with the same fixture, the test is guarded once, not twice.</remarks>
    public override void Before(MethodInfo methodUnderTest, IXunitTest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var key = (test.UniqueID, FixtureType);
        var guarded = Scopes.GetOrAdd(key, _ => new Guarded());
        lock (guarded)
        {
            if (++guarded.Guards > 1)
            {
                return;
            }

            try
            {
                guarded.Scope = Resolve().BeginScopeAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
            }
            catch
            {
                Scopes.TryRemove(key, out _);
                throw;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>The last guard of the test to finish checks the process.</remarks>
    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var key = (test.UniqueID, FixtureType);
        if (!Scopes.TryGetValue(key, out var guarded))
        {
            return;
        }

        LiveTestScope? scope;
        lock (guarded)
        {
            if (--guarded.Guards > 0)
            {
                return;
            }

            Scopes.TryRemove(key, out _);
            scope = guarded.Scope;
        }

        scope?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private LiveProcessFixture Resolve() =>
        TestContext.Current.GetFixture(FixtureType).AsTask().GetAwaiter().GetResult() as LiveProcessFixture
        ?? throw new InvalidOperationException(
            $"[LiveGuard(typeof({FixtureType.Name}))] found no {FixtureType.Name} for this test: attach it with [assembly: AssemblyFixture(typeof({FixtureType.Name}))], ICollectionFixture<{FixtureType.Name}> or IClassFixture<{FixtureType.Name}>.");

    /// <summary>The scope of one guarded test and how many of its guards have begun and not yet ended.</summary>
    private sealed class Guarded
    {
        public int Guards { get; set; }

        public LiveTestScope? Scope { get; set; }
    }
}
