namespace LiveFixtures.Watchdog;

/// <summary>The run's watchdog could not be started; caught where it is thrown and turned into one warning.</summary>
internal sealed class WatchdogUnavailableException(string message) : Exception(message)
{
}
