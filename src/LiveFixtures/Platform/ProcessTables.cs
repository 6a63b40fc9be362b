namespace LiveFixtures.Platform;

/// <summary>Chooses the process table for the OS we run on.</summary>
internal static class ProcessTables
{
    /// <summary>Gets the table for this OS.</summary>
    public static IProcessTable Current { get; } = OperatingSystem.IsLinux()
        ? new LinuxProcessTable()
        : new UnsupportedProcessTable();

    /// <summary>Names a signal for messages: "SIGABRT", or "signal 40" for one we do not name.</summary>
    public static string SignalName(int signal) =>
        Enum.IsDefined(typeof(PosixSignalNumber), signal) ? ((PosixSignalNumber)signal).ToString() : $"signal {signal}";

    /// <summary>Reads the signal out of an exit code as the .NET runtime reports it on Unix (128 + signal).</summary>
    public static int? SignalFromExitCode(int exitCode) =>
        !OperatingSystem.IsWindows() && exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : null;
}
