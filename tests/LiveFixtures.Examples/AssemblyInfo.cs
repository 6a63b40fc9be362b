using LiveFixtures.Examples;
using LiveFixtures.Testing;
using Xunit;

// <snippet:assembly-fixture>
[assembly: AssemblyFixture(typeof(SharedAppFixture))]
// </snippet:assembly-fixture>

// The crash demo runs its two collections one after the other, in name order, after the parallel ones.
[assembly: TestCollectionOrderer(typeof(CollectionsByName))]
