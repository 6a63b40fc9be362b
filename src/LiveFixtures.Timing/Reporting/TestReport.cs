using Xunit;

namespace LiveFixtures.Timing;

/// <summary>Reaches the current xUnit test, when there is one, without ever failing because there is none.</summary>
internal static class TestReport
{
    /// <summary>Returns the caller's token, or the current test's token when the caller gave none.</summary>
    public static CancellationToken Resolve(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            return cancellationToken;
        }

        return TestContext.Current?.CancellationToken ?? CancellationToken.None;
    }

    /// <summary>Attaches text to the current test's result, if a test is running.</summary>
    public static void Attach(string name, string content)
    {
        var context = TestContext.Current;
        if (context?.Test is null)
        {
            return;
        }

        try
        {
            context.AddAttachment(name, content, replaceExistingValue: true);
        }
        catch (InvalidOperationException)
        {
            // The test has finished or attachments are not accepted at this stage: nothing to attach to.
        }
    }

    /// <summary>Adds a warning to the current test's result; returns false when no test is running.</summary>
    public static bool Warn(string message)
    {
        var context = TestContext.Current;
        if (context?.Test is null)
        {
            return false;
        }

        try
        {
            context.AddWarning(message);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Writes a line to the current test's output, if a test is running.</summary>
    public static void Output(string line)
    {
        var output = TestContext.Current?.TestOutputHelper;
        if (output is null)
        {
            return;
        }

        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished: its output is closed.
        }
    }
}
