using System.Runtime.InteropServices;

namespace LiveFixtures.TestApp;

/// <summary>Crashes the process the way a failed native assertion does: SIGABRT, exit status 134.</summary>
internal static partial class NativeCrash
{
    public const string AssertLine = "IM_ASSERT failed: g.WithinFrameScope";

    /// <summary>Prints the assertion to stderr and aborts at once.</summary>
    public static void AbortNow()
    {
        Console.Error.WriteLine(AssertLine);
        Console.Out.Flush();
        Console.Error.Flush();
        Abort();
    }

    /// <summary>Prints the assertion now and aborts after a short delay so a response can still be written.</summary>
    public static void AbortSoon()
    {
        _ = Task.Run(async () =>
        {
            await Task.Delay(20);
            AbortNow();
        });
    }

    [DllImport("libc", EntryPoint = "abort")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern void Abort();
}
