using Xunit;

namespace LiveFixtures.Examples;

// <snippet:collection>
[CollectionDefinition("LiveGui")]
public sealed class LiveGuiCollection : ICollectionFixture<LiveGuiFixture>;
// </snippet:collection>

// <snippet:collection-order>
[CollectionDefinition("Crash 1: a class crashes the shared app", DisableParallelization = true)]
[CollectionOrder(1)]
public sealed class CrashFirstCollection;

[CollectionDefinition("Crash 2: the next class starts fresh", DisableParallelization = true)]
[CollectionOrder(2)]
public sealed class CrashThenCollection;
// </snippet:collection-order>
