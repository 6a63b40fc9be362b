using System.Diagnostics;
using System.Text;

namespace LiveFixtures.Tests.Fixtures;

/// <summary>Runs the example suite (LiveFixtures.Suite) as a child process with xUnit's in-process runner and reads its XML report.</summary>
internal static class SuiteRun
{
    /// <summary>Gets how long one run may take before it is killed.</summary>
    public static TimeSpan HardTimeout { get; } = TimeSpan.FromSeconds(120);

    /// <summary>Runs the suite in <paramref name="mode"/> (the value of SUITE_MODE) and returns its report; kills its tree if it outlives the hard timeout.</summary>
    /// <param name="mode">The value of SUITE_MODE.</param>
    /// <param name="cancellationToken">Cancels the run (its tree is killed).</param>
    /// <param name="runnerOptions">More options for xUnit's runner, such as <c>-parallelMode all</c>.</param>
    public static async Task<SuiteReport> RunAsync(string mode, CancellationToken cancellationToken, params string[] runnerOptions)
    {
        var directory = Directory.CreateTempSubdirectory("livefixtures-suite-");
        try
        {
            var xml = Path.Combine(directory.FullName, "report.xml");
            var trace = Path.Combine(directory.FullName, "trace.log");
            var (exitCode, console) = await RunProcessAsync(mode, directory.FullName, trace, ["-xml", xml, "-noColor", "-noLogo", "-noAutoReporters", .. runnerOptions], cancellationToken);
            return File.Exists(xml)
                ? SuiteReport.Load(xml, exitCode, console) with { Trace = File.Exists(trace) ? await File.ReadAllTextAsync(trace, CancellationToken.None) : "" }
                : throw new InvalidOperationException($"The example suite ({mode} mode) exited with {exitCode} and wrote no report.{Environment.NewLine}{console}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Console)> RunProcessAsync(string mode, string directory, string trace, string[] options, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in (string[])[SuitePaths.Dll, .. options])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SUITE_MODE"] = mode;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["LIVEFIXTURES_TRACE"] = trace;
        var console = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(console, e.Data);
        process.ErrorDataReceived += (_, e) => Append(console, e.Data);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(HardTimeout);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await process.WaitForExitAsync(limit.Token);
            return (process.ExitCode, Text(console));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The example suite ({mode} mode) did not finish within {HardTimeout.TotalSeconds:0} s and was killed.{Environment.NewLine}{Text(console)}");
        }
        finally
        {
            // Its whole tree: the suite and any app it started that it did not stop itself.
            await KillTreeAsync(process);
        }
    }

    private static async Task KillTreeAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var reap = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(reap.Token);
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }

    private static void Append(StringBuilder console, string? line)
    {
        if (line is not null)
        {
            lock (console)
            {
                console.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder console)
    {
        lock (console)
        {
            return console.ToString();
        }
    }
}
