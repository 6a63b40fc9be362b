namespace LiveFixtures.Tests.Timing.Services;

/// <summary>An HTTP client with a per-attempt timeout and retries with backoff, both on the given clock.</summary>
public sealed class RetryingClient(HttpClient http, TimeProvider clock)
{
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int Attempts { get; private set; }

    public async Task<string> GetAsync(string path, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            Attempts = attempt;
            try
            {
                return await http.GetStringAsync(path, cancellationToken).WaitAsync(AttemptTimeout, clock, cancellationToken);
            }
            catch (HttpRequestException) when (attempt < 3)
            {
                await Task.Delay(backoff, clock, cancellationToken);
                backoff *= 2;
            }
        }
    }
}
