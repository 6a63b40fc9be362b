using Xunit;

namespace LiveFixtures.Suite.ClassScope;

// Each class gets its own PerClassAppFixture, so its own process.

public sealed class PerClassA(PerClassAppFixture app) : PerClassTests(app), IClassFixture<PerClassAppFixture>;
public sealed class PerClassB(PerClassAppFixture app) : PerClassTests(app), IClassFixture<PerClassAppFixture>;
public sealed class PerClassC(PerClassAppFixture app) : PerClassTests(app), IClassFixture<PerClassAppFixture>;
public sealed class PerClassD(PerClassAppFixture app) : PerClassTests(app), IClassFixture<PerClassAppFixture>;
