namespace LiveFixtures.Health;

/// <summary>Passes once a file exists.</summary>
internal sealed class FileExistsProbe(string pathTemplate) : IProbe
{
    public string PathTemplate => pathTemplate;

    public string Description => $"file {pathTemplate} exists";

    public ValueTask<ProbeResult> CheckAsync(ProbeContext context, CancellationToken cancellationToken)
    {
        var path = context.Resolve(pathTemplate);
        return ValueTask.FromResult(File.Exists(path)
            ? ProbeResult.Healthy($"file {path} exists")
            : ProbeResult.Unhealthy($"file {path} does not exist yet"));
    }
}
