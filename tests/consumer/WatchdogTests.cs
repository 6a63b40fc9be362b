using Xunit;

namespace LiveFixtures.Consumer;

/// <summary>The run's watchdog starts from the package, with nothing but the .NET SDK on the machine.</summary>
public sealed class WatchdogTests
{
    [Fact(Timeout = 60_000)]
    public async Task FirstStart_StartsAWatchdogForThisRunOutsideThisProcessTree()
    {
        await using var app = new LiveProcessBuilder("/bin/sleep").WithName("WatchdogCheck").WithArguments("300").Build();
        await app.EnsureReadyAsync(TestContext.Current.CancellationToken);

        // The watchdog names its host in its arguments: "--host PID:STARTTICKS".
        var marker = $"--host {Environment.ProcessId}:";
        (int Pid, string[] Arguments)? watchdog = null;
        for (var attempt = 0; attempt < 100 && watchdog is null; attempt++)
        {
            watchdog = Find(marker);
            if (watchdog is null)
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }

        Assert.True(watchdog is not null, $"no watchdog process for this test host (pid {Environment.ProcessId}) was found");
        var (pid, arguments) = watchdog.Value;
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(arguments[0]));
        Assert.StartsWith("LiveFixtures.Watchdog-", Path.GetFileName(arguments[1]), StringComparison.Ordinal);
        Assert.Equal(typeof(LiveProcess).Assembly.Location, arguments[2]);
        Assert.NotEqual(Environment.ProcessId, ParentOf(pid));
    }

    private static (int, string[])? Find(string marker)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (arguments.Length > 3 && string.Join(' ', arguments).Contains(marker, StringComparison.Ordinal))
                {
                    return (pid, arguments);
                }
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
