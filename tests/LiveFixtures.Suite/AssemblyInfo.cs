using LiveFixtures;
using LiveFixtures.Suite;
using LiveFixtures.Suite.AssemblyScope;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

// One process for the whole assembly; every class in Shared/ runs against it.
[assembly: AssemblyFixture(typeof(SuiteAppFixture))]

// Every class is its own collection; they run one at a time, in name order: Class01, Class02, ...
[assembly: Parallelization(Mode = ParallelMode.None)]
[assembly: TestCollectionOrderer(typeof(CollectionsByName))]
