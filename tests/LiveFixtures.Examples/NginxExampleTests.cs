using Xunit;

namespace LiveFixtures.Examples;

/// <summary>A server that reads its port from a configuration file: nginx, with a file written before each start.</summary>
public sealed class NginxExampleTests
{
    [Fact(Timeout = 60_000)]
    public async Task Nginx_WithAGeneratedConfig_Serves()
    {
        var token = TestContext.Current.CancellationToken;
        // <snippet:nginx>
        await using var nginx = new LiveProcessBuilder("nginx")
            .WithFile("nginx.conf", """
                daemon off;
                worker_processes 1;
                pid {workspace}/nginx.pid;
                error_log {workspace}/error.log;
                events { }
                http {
                    access_log {workspace}/access.log;
                    client_body_temp_path {workspace}/client_body;
                    proxy_temp_path {workspace}/proxy;
                    fastcgi_temp_path {workspace}/fastcgi;
                    uwsgi_temp_path {workspace}/uwsgi;
                    scgi_temp_path {workspace}/scgi;
                    server {
                        listen 127.0.0.1:{port};
                        location / { return 200 "nginx on port {port}, generation {generation}\n"; }
                    }
                }
                """)                                         // written into the workspace before each start
            .WithArguments("-p", "{workspace}", "-e", "{workspace}/error.log", "-c", "{workspace}/nginx.conf")
            .WithPort()
            .WithBaseAddress("http://127.0.0.1:{port}/")
            .WithReadiness(Probe.Http("/"))
            .Build();

        var generation = await nginx.EnsureReadyAsync(token);
        using var http = new HttpClient { BaseAddress = generation.BaseAddress };
        var answer = await http.GetStringAsync("/", token);      // "nginx on port 41234, generation 1"
        // </snippet:nginx>

        Assert.Equal($"nginx on port {generation.Ports["port"]}, generation 1\n", answer);
        var pidFile = Path.Combine(generation.WorkspacePath!, "nginx.pid");
        Assert.Equal(generation.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(pidFile).Trim());
        var report = await nginx.StopAsync(cancellationToken: token);
        Assert.Equal(StopOutcome.Graceful, report.Outcome);
    }
}
