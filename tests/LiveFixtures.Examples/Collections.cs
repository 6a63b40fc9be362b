using Xunit;

namespace LiveFixtures.Examples;

// <snippet:collection>
[CollectionDefinition("LiveGui")]
public sealed class LiveGuiCollection : ICollectionFixture<LiveGuiFixture>;
// </snippet:collection>

[CollectionDefinition("Crash 1: a class crashes the shared app", DisableParallelization = true)]
public sealed class CrashFirstCollection;

[CollectionDefinition("Crash 2: the next class starts fresh", DisableParallelization = true)]
public sealed class CrashThenCollection;
