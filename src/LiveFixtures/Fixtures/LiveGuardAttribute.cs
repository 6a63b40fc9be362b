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
    private static readonly ConcurrentDictionary<(string Test, Type Fixture), LiveTestScope> Scopes = new();

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
    public override void Before(MethodInfo methodUnderTest, IXunitTest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        var fixture = Resolve();
        var scope = fixture.BeginScopeAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        Scopes[(test.UniqueID, FixtureType)] = scope;
    }

    /// <inheritdoc/>
    public override void After(MethodInfo methodUnderTest, IXunitTest test)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (Scopes.TryRemove((test.UniqueID, FixtureType), out var scope))
        {
            scope.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private LiveProcessFixture Resolve() =>
        TestContext.Current.GetFixture(FixtureType).AsTask().GetAwaiter().GetResult() as LiveProcessFixture
        ?? throw new InvalidOperationException(
            $"[LiveGuard(typeof({FixtureType.Name}))] found no {FixtureType.Name} for this test: attach it with [assembly: AssemblyFixture(typeof({FixtureType.Name}))], ICollectionFixture<{FixtureType.Name}> or IClassFixture<{FixtureType.Name}>.");
}
