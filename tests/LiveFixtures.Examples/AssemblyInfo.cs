using LiveFixtures;
using LiveFixtures.Examples;
using Xunit;

// <snippet:assembly-fixture>
[assembly: AssemblyFixture(typeof(SharedAppFixture))]
// </snippet:assembly-fixture>

// The crash demo runs its two collections one after the other, in their [CollectionOrder], after the parallel ones.
// <snippet:collection-orderer>
[assembly: TestCollectionOrderer(typeof(CollectionsByOrder))]
// </snippet:collection-orderer>
