namespace LiveFixtures;

/// <summary>
/// Places a test collection in the run order that <see cref="CollectionsByOrder"/> gives: put it on the class that
/// carries <c>[CollectionDefinition]</c>. Lower runs first; collections without it have order 0.
/// </summary>
/// <param name="order">The collection's place: lower runs first; equal places run in name order.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CollectionOrderAttribute(int order) : Attribute
{
    /// <summary>Gets the collection's place in the run: lower runs first.</summary>
    public int Order { get; } = order;
}
