namespace LiveFixtures.Suite;

/// <summary>Holds the test app's answer to <c>GET /state</c>.</summary>
/// <param name="Pid">The app's process id.</param>
/// <param name="Clicks">How many clicks it handled.</param>
/// <param name="Buttons">The buttons clicked, in order.</param>
/// <param name="Degraded">Whether its worker pool is shut down.</param>
public sealed record AppState(int Pid, int Clicks, IReadOnlyList<string> Buttons, bool Degraded);
