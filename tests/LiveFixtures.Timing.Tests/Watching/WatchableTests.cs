using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LiveFixtures.Timing;
using Xunit;

namespace LiveFixtures.Tests.Timing;

public sealed class WatchableTests
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);


    [Fact(Timeout = 30_000)]
    public async Task ForProcess_ProcessExitsWithCode3_WaitFailsAtOnceWithTheExitCodeInsteadOfTimingOut()
    {
        using var process = StartShell("sleep 0.3; date +%s.%N; exit 3");
        try
        {
            var watch = Stopwatch.StartNew();

            var error = await Assert.ThrowsAsync<TimingAssertionException>(() => Wait.EventuallyAsync(
                () => false, new WaitOptions { Timeout = WaitTimeout, Watch = [Watchable.ForProcess(process, "sh")] }, TestContext.Current.CancellationToken));

            var failedAt = TimeProvider.System.GetUtcNow();
            Assert.Contains("because sh died: exit code 3.", error.Message, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < WaitTimeout / 3, $"The wait took {watch.Elapsed}, which is not well under its {WaitTimeout} timeout.");
            ReportLatency(process, failedAt);
        }
        finally
        {
            Kill(process);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ForProcess_ProcessKilledBySignal_NamesTheSignal()
    {
        using var process = StartShell("kill -KILL $$");
        try
        {
            var description = await Watchable.ForProcess(process).WhenFailed.WaitAsync(TestContext.Current.CancellationToken);

            Assert.Equal("exit code 137 (SIGKILL)", description);
        }
        finally
        {
            Kill(process);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ForProcess_OutputTailSupplied_DescriptionEndsWithTheLastOutput()
    {
        var lines = new ConcurrentQueue<string>();
        using var process = StartShell("echo starting; echo 'IM_ASSERT failed: g.WithinFrameScope'; exit 134", lines);
        try
        {
            var watchable = Watchable.ForProcess(process, "LiveGui", () => string.Join('\n', lines));

            var description = await watchable.WhenFailed.WaitAsync(TestContext.Current.CancellationToken);

            Assert.Equal("LiveGui", watchable.Name);
            Assert.StartsWith("exit code 134 (SIGABRT)", description, StringComparison.Ordinal);
            Assert.EndsWith("Last output:\n  starting\n  IM_ASSERT failed: g.WithinFrameScope", description.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
        finally
        {
            Kill(process);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ForProcess_ProcessAlreadyExited_FailsAtOnce()
    {
        using var process = StartShell("exit 0");
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            var watchable = Watchable.ForProcess(process);

            Assert.True(watchable.WhenFailed.IsCompleted);
            Assert.Equal("exit code 0", await watchable.WhenFailed);
            Assert.Contains("(pid ", watchable.Name, StringComparison.Ordinal);
        }
        finally
        {
            Kill(process);
        }
    }

    [Fact]
    public async Task ForTask_RunningTask_DoesNotFailUntilItEnds()
    {
        var work = new TaskCompletionSource();
        var watchable = Watchable.ForTask(work.Task, "the worker");

        Assert.False(watchable.WhenFailed.IsCompleted);
        work.SetException(new TimeoutException("no heartbeat"));

        Assert.Equal("faulted with TimeoutException: no heartbeat", await watchable.WhenFailed.WaitAsync(TestContext.Current.CancellationToken));
    }

    private static Process StartShell(string script, ConcurrentQueue<string>? output = null)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        var process = new Process { StartInfo = info };
        if (output is not null)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    output.Enqueue(e.Data);
                }
            };
        }

        process.Start();
        if (output is not null)
        {
            process.BeginOutputReadLine();
        }

        return process;
    }

    private static void ReportLatency(Process process, DateTimeOffset failedAt)
    {
        // The shell printed the time just before it exited: the latency is from there to the failure.
        var printed = process.StandardOutput.ReadToEnd().Trim();
        if (double.TryParse(printed, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            var latency = failedAt - DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            TestContext.Current.SendDiagnosticMessage($"Watch latency from the process's last act to the failed wait: {latency.TotalMilliseconds:0.0} ms.");
            TestContext.Current.TestOutputHelper?.WriteLine($"Watch latency: {latency.TotalMilliseconds:0.0} ms");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started or has exited meanwhile.
        }
    }
}
