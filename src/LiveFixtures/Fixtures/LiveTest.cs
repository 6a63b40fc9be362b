using Xunit;

namespace LiveFixtures;

/// <summary>
/// Guards every test of a class: before each test the process is made ready (respawned if dead or
/// degraded, with the notice); after it, a death or degrade during the test is recorded against it, with a warning
/// and its slice of the output attached. Derive test classes from it, with the fixture from any scope.
/// </summary>
/// <typeparam name="TFixture">The fixture that owns the process.</typeparam>
/// <param name="fixture">The fixture, injected by xUnit.</param>
public abstract class LiveTest<TFixture>(TFixture fixture) : IAsyncLifetime
    where TFixture : LiveProcessFixture
{
    private LiveTestScope? _scope;

    /// <summary>Gets the fixture.</summary>
    protected TFixture Fixture => fixture;

    /// <summary>Gets the generation this test runs on.</summary>
    protected LiveGeneration Generation => _scope?.Generation ?? fixture.Generation;

    /// <summary>Gets an HTTP client for the generation's base address.</summary>
    protected HttpClient Http => fixture.Http;

    /// <inheritdoc/>
    public virtual async ValueTask InitializeAsync() =>
        _scope = await fixture.BeginScopeAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_scope is not null)
        {
            await _scope.DisposeAsync().ConfigureAwait(false);
        }
    }
}
