using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

using LiveFixtures.Platform;

namespace LiveFixtures.Timing;

/// <summary>Watches a process; its exit is its death. Event-driven through <see cref="Process.Exited"/>.</summary>
internal sealed class ProcessWatch : IWatchable
{
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Process _process;
    private readonly Func<string?>? _outputTail;

    public ProcessWatch(Process process, string? name, Func<string?>? outputTail)
    {
        _process = process;
        _outputTail = outputTail;
        Name = name ?? DefaultName(process);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _ = CompleteAsync();
        if (process.HasExited)
        {
            _ = CompleteAsync();
        }
    }

    public string Name { get; }

    public Task<string> WhenFailed => _failed.Task;

    /// <summary>Describes an exit code in the wording every message uses, naming the signal when the code means "killed by a signal".</summary>
    internal static string DescribeExit(int exitCode) =>
        ProcessTables.DescribeExit(exitCode, OperatingSystem.IsLinux() ? ProcessTables.SignalFromExitCode(exitCode) : null);

    /// <summary>Gets how long, at most, the watch lets a process's redirected output drain before it reads the output tail.</summary>
    internal static TimeSpan OutputDrain { get; } = TimeSpan.FromMilliseconds(50);

    private static string DefaultName(Process process)
    {
        try
        {
            return string.Create(CultureInfo.InvariantCulture, $"{process.ProcessName} (pid {process.Id})");
        }
        catch (InvalidOperationException)
        {
            try
            {
                return string.Create(CultureInfo.InvariantCulture, $"the process (pid {process.Id})");
            }
            catch (InvalidOperationException)
            {
                return "the process";
            }
        }
    }

    [SuppressMessage("Design", "CA1031", Justification = "The watch must complete whatever happens; a failure to describe the death becomes the description.")]
    private async Task CompleteAsync()
    {
        if (_failed.Task.IsCompleted)
        {
            return;
        }

        try
        {
            if (_outputTail is not null)
            {
                // The Exited event can come before the last lines are delivered; let the redirected output drain briefly.
                await _process.WaitForExitAsync().WaitAsync(OutputDrain, TimeProvider.System).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // A descendant still holds the output open: describe the death with what has arrived.
        }
        catch (InvalidOperationException)
        {
            // The output is not redirected for asynchronous reading: nothing to drain.
        }

        try
        {
            _failed.TrySetResult(Describe());
        }
        catch (Exception error)
        {
            _failed.TrySetResult($"exited (its exit could not be described: {Durations.Describe(error)})");
        }
    }

    private string Describe()
    {
        string cause;
        try
        {
            cause = DescribeExit(_process.ExitCode);
        }
        catch (InvalidOperationException)
        {
            cause = "exited (its exit code is not available: it was not started by this process)";
        }

        var description = new StringBuilder(cause);
        var tail = _outputTail?.Invoke();
        if (!string.IsNullOrWhiteSpace(tail))
        {
            description.AppendLine().AppendLine("Last output:");
            foreach (var line in tail.TrimEnd().Split('\n'))
            {
                description.Append("  ").AppendLine(line.TrimEnd('\r'));
            }
        }

        return description.ToString().TrimEnd();
    }
}
