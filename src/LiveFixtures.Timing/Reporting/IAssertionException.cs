namespace LiveFixtures;

/// <summary>
/// Marks an exception as an assertion failure, so that xUnit v3 reports it as a failed assertion
/// rather than an error, without our users taking a dependency on an assertion library.
/// </summary>
/// <remarks>
/// xUnit matches this interface by its name among all the interfaces an exception implements, so it does not need to
/// be xUnit's own, nor public: an internal one serves.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "xUnit matches this interface by this exact name.")]
internal interface IAssertionException
{
}
