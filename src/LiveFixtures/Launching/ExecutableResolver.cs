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

        // Each folder once: a PATH that names a folder twice (shell profiles often do) would list it twice.
        return (null, $"The executable '{command}' was not found on PATH (looked in {string.Join(", ", searched.Distinct(StringComparer.Ordinal))}). Install it, or give its full path.");
    }

    /// <summary>Tells whether a file starts like a program the kernel runs itself: an ELF binary or a #! script.</summary>
    public static bool IsProgramFile(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> head = stackalloc byte[64];
            var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            if (read >= 2 && head[0] == '#' && head[1] == '!')
            {
                return true;
            }

            return read >= 4 && head[..4].SequenceEqual("\u007fELF"u8) && IsElfForThisMachine(head[..read]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // let the exec say what is wrong
        }
    }

    /// <summary>
    /// Tells whether an ELF header is whole and for this machine, as the kernel will check at exec: a cut-short file or a
    /// binary for another architecture is refused here, before a launch shim could turn the refusal into an exit code.
    /// </summary>
    private static bool IsElfForThisMachine(ReadOnlySpan<byte> head)
    {
        const int elfClass64 = 2;
        var headerSize = head.Length > 4 && head[4] == elfClass64 ? 64 : 52;
        if (head.Length < headerSize || head.Length < 20)
        {
            return false;
        }

        var machine = head[5] == 1 ? BitConverter.ToUInt16(head[18..20]) : (ushort)((head[18] << 8) | head[19]); // EI_DATA: 1 little-endian
        ushort? expected = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => 62, // EM_X86_64
            System.Runtime.InteropServices.Architecture.Arm64 => 183, // EM_AARCH64
            System.Runtime.InteropServices.Architecture.X86 => 3, // EM_386
            System.Runtime.InteropServices.Architecture.Arm => 40, // EM_ARM
            _ => null,
        };
        return expected is null || machine == expected || (expected == 62 && machine == 3); // x86-64 kernels may run i386
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
