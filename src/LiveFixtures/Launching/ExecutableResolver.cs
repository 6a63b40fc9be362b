namespace LiveFixtures.Launching;

/// <summary>Finds the executable a command names, the way a shell would, and says why when it cannot.</summary>
internal static class ExecutableResolver
{
    /// <summary>Resolves <paramref name="command"/> to a full path, or returns the problem as a sentence.</summary>
    public static (string? Path, string? Problem) Resolve(string command, string? workingDirectory)
    {
        if (command.Contains('/', StringComparison.Ordinal) || Path.IsPathRooted(command))
        {
            var baseDirectory = workingDirectory is null ? Environment.CurrentDirectory : Path.GetFullPath(workingDirectory);
            var full = Path.GetFullPath(command, baseDirectory);
            if (Directory.Exists(full))
            {
                return (null, $"The command '{command}' is the folder {full}, not a program: give the path of the executable inside it (such as {Path.Combine(full, "MyApp")}), or for a .dll: WithCommand(\"dotnet\").WithArguments(\"{Path.Combine(full, "MyApp.dll")}\", ...).");
            }

            if (!File.Exists(full))
            {
                return (null, $"The executable '{command}' was not found: looked at {full}. Check the path, or build the app before the tests run.");
            }

            return IsExecutable(full)
                ? (full, null)
                : (null, $"The file {full} is not executable. Run 'chmod +x {full}', or start it through its interpreter (for a .dll: WithCommand(\"dotnet\").WithArguments(\"{full}\", ...)).");
        }

        var searched = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in searched)
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate) && IsExecutable(candidate))
            {
                return (candidate, null);
            }
        }

        return (null, $"The executable '{command}' was not found on PATH (looked in {string.Join(", ", searched)}). Install it, or give its full path.");
    }

    /// <summary>Tells whether a file starts like a program the kernel runs itself: an ELF binary or a #! script.</summary>
    public static bool IsProgramFile(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> head = stackalloc byte[4];
            var read = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            return (read >= 2 && head[0] == '#' && head[1] == '!') || (read == 4 && head.SequenceEqual("\u007fELF"u8));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // let the exec say what is wrong
        }
    }

    private static bool IsExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
