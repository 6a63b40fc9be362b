using System.Globalization;
using System.Net;

namespace LiveFixtures.Health;

/// <summary>Passes when a GET answers with an accepted status.</summary>
internal sealed class HttpProbe(string urlTemplate, Func<HttpStatusCode, bool> accept, string acceptDescription) : IProbe
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public string UrlTemplate => urlTemplate;

    public string Description => $"GET {urlTemplate} answers {acceptDescription}";

    public async ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var url = context.Resolve(urlTemplate);
        try
        {
            using var response = await Client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (accept(response.StatusCode))
            {
                return ProbeResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"GET {url} answered {status}"));
            }

            var body = await ReadSnippetAsync(response, cancellationToken).ConfigureAwait(false);
            return ProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"GET {url} answered {status}: {body}")) with { Answered = true };
        }
        catch (HttpRequestException e)
        {
            return ProbeResult.Unhealthy($"GET {url} failed: {e.Message}");
        }
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        body = body.ReplaceLineEndings(" ").Trim();
        return body.Length > 200 ? body[..200] + " …" : body.Length == 0 ? "(empty body)" : body;
    }
}
