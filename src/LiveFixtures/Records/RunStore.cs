using System.Globalization;
using System.Text.Json;
using LiveFixtures.Launching;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// Reads and writes run records and health snapshots under one per-user directory: <c>runs/RUNID.json</c>,
/// <c>health/RUNID/FIXTURE.json</c>, and <c>corrupt/</c> for files that could not be read.
/// </summary>
/// <remarks>
/// Each run writes only its own file, atomically (a temporary file in the same directory, flushed to disk, then
/// renamed over the old one), so readers never see half a record and hosts never wait for each other. Reading is
/// tolerant: unknown fields are ignored, missing ones take their defaults, and a file that is not a record is moved
/// aside to <c>corrupt/</c> with a warning; nothing else is lost.
/// </remarks>
internal sealed class RunStore
{
    /// <summary>How long records and kept workspaces are kept after their run ended: 7 days.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);

    /// <summary>Initializes a store at <paramref name="root"/>; nothing is created until the first write.</summary>
    public RunStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>Gets the store's directory.</summary>
    public string Root { get; }

    /// <summary>Gets the directory of the run records.</summary>
    public string RunsDirectory => Path.Combine(Root, "runs");

    /// <summary>Gets the directory of the health snapshots.</summary>
    public string HealthDirectory => Path.Combine(Root, "health");

    /// <summary>Gets the directory that corrupt files are moved to.</summary>
    public string CorruptDirectory => Path.Combine(Root, "corrupt");

    /// <summary>Opens the store at <see cref="StateDirectory.Resolve"/>.</summary>
    public static RunStore OpenDefault() => new(StateDirectory.Resolve());

    /// <summary>Writes a run record atomically, replacing the run's previous one.</summary>
    /// <exception cref="UnauthorizedAccessException">The store's directory is not safe to use (a link, or another user's; see <see cref="PrivateFolder"/>).</exception>
    public void Write(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.RunId);
        Private(Root);
        Private(RunsDirectory);
        WriteAtomically(RunPath(record.RunId), JsonSerializer.SerializeToUtf8Bytes(record, RecordsJson.Default.RunRecord));
    }

    /// <summary>Writes a run record already serialized (with <see cref="RecordsJson"/>) atomically, replacing the run's previous one.</summary>
    public void WriteSerialized(string runId, byte[] record)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        Private(Root);
        Private(RunsDirectory);
        WriteAtomically(RunPath(runId), record);
    }

    /// <summary>Writes a fixture's health snapshot atomically.</summary>
    public void WriteHealth(string runId, FixtureHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        Private(Root);
        Private(HealthDirectory);
        var directory = Private(Path.Combine(HealthDirectory, FileName(runId)));
        WriteAtomically(Path.Combine(directory, FileName(health.Fixture) + ".json"), JsonSerializer.SerializeToUtf8Bytes(health, RecordsJson.Default.FixtureHealth));
    }

    /// <summary>Reads one run's record, or returns null when there is none (or it was corrupt and moved aside).</summary>
    public RunRecord? Read(string runId, ICollection<string>? warnings = null) => ReadFile(RunPath(runId), warnings);

    /// <summary>Reads every run record, oldest first; corrupt files are moved aside and named in <paramref name="warnings"/>.</summary>
    /// <param name="warnings">Collects a warning per corrupt file.</param>
    /// <param name="skipEnded">Skips, without reading them whole, the records of runs that ended (the run's own end was
    /// recorded, which also ended each of its generations): all a sweep needs, at a fraction of the cost.</param>
    public List<RunRecord> ReadAll(ICollection<string>? warnings = null, bool skipEnded = false)
    {
        if (!Directory.Exists(RunsDirectory))
        {
            return [];
        }

        Private(RunsDirectory);
        var runs = new List<RunRecord>();
        foreach (var file in Directory.EnumerateFiles(RunsDirectory, "*.json"))
        {
            if (skipEnded && HasEnded(file))
            {
                continue;
            }

            if (ReadFile(file, warnings) is { } run)
            {
                runs.Add(run);
            }
        }

        return [.. runs.OrderBy(r => r.Started).ThenBy(r => r.RunId, StringComparer.Ordinal)];
    }

    /// <summary>Reads every health snapshot of one run, or of the latest run that wrote any when <paramref name="runId"/> is null.</summary>
    public List<FixtureHealth> ReadHealth(string? runId, ICollection<string>? warnings = null)
    {
        if (!Directory.Exists(HealthDirectory))
        {
            return [];
        }

        var directory = runId is not null
            ? Path.Combine(HealthDirectory, FileName(runId))
            : Directory.EnumerateDirectories(HealthDirectory).OrderByDescending(Directory.GetLastWriteTimeUtc).FirstOrDefault();
        if (directory is null || !Directory.Exists(directory))
        {
            return [];
        }

        var result = new List<FixtureHealth>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            if (Deserialize(file, bytes => JsonSerializer.Deserialize(bytes, RecordsJson.Default.FixtureHealth), warnings) is { } health)
            {
                result.Add(health);
            }
        }

        return result;
    }

    /// <summary>
    /// Deletes the records (and health snapshots and kept workspaces) of runs that ended, or were last written, more
    /// than <paramref name="olderThan"/> before <paramref name="now"/> and whose host is no longer running.
    /// </summary>
    /// <returns>The ids of the runs deleted.</returns>
    public List<string> Prune(TimeSpan olderThan, DateTimeOffset now, ICollection<string>? warnings = null)
    {
        var cutoff = now - olderThan;
        var removed = new List<string>();
        foreach (var run in ReadAll(warnings))
        {
            if ((run.Ended ?? run.Updated) > cutoff || (run.Ended is null && run.Host.IsAlive()))
            {
                continue;
            }

            foreach (var workspace in run.Generations.Select(g => g.Workspace).OfType<string>())
            {
                DeleteOwnDirectory(workspace, warnings);
            }

            DeleteOwnDirectory(Path.Combine(HealthDirectory, FileName(run.RunId)), warnings);
            File.Delete(RunPath(run.RunId));
            removed.Add(run.RunId);
        }

        return removed;
    }

    /// <summary>Makes a string safe as one file name: anything but letters, digits, '-', '_' and '.' becomes '_'.</summary>
    public static string FileName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).TrimStart('.') is { Length: > 0 } safe ? safe : "_";

    /// <summary>
    /// Tells from the head of a record (its run-level fields come before its generations) whether the run's end was
    /// recorded; anything unclear (a cut or odd file) is "no", so the file is read whole.
    /// </summary>
    private static bool HasEnded(string path)
    {
        var buffer = new byte[2048];
        int length;
        try
        {
            using var stream = File.OpenRead(path);
            length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (IOException)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length), isFinalBlock: length < buffer.Length, state: default);
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueTextEquals("generations"u8))
                {
                    return false;
                }

                if (reader.ValueTextEquals("ended"u8))
                {
                    return reader.Read() && reader.TokenType == JsonTokenType.String;
                }
            }
        }
        catch (JsonException)
        {
            // Read whole, and moved aside if it is corrupt.
        }

        return false;
    }

    private static string Private(string path) =>
        PrivateFolder.Ensure(path, "its run records", $"set {StateDirectory.Variable} to a folder only you can write to");

    private string RunPath(string runId) => Path.Combine(RunsDirectory, FileName(runId) + ".json");

    private RunRecord? ReadFile(string path, ICollection<string>? warnings) =>
        Deserialize(path, bytes => JsonSerializer.Deserialize(bytes, RecordsJson.Default.RunRecord) is { RunId.Length: > 0 } run ? run : null, warnings);

    private T? Deserialize<T>(string path, Func<byte[], T?> parse, ICollection<string>? warnings)
        where T : class
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null; // deleted by a prune since it was listed
        }

        try
        {
            if (parse(bytes) is { } value)
            {
                return value;
            }
        }
        catch (JsonException)
        {
            // moved aside below
        }

        MoveAside(path, warnings);
        return null;
    }

    private void MoveAside(string path, ICollection<string>? warnings)
    {
        Private(CorruptDirectory);
        var target = Path.Combine(CorruptDirectory, string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.json"));
        try
        {
            File.Move(path, target);
            warnings?.Add($"The LiveFixtures record {path} could not be read (it is not a run record: cut short or edited by hand), so it was moved aside to {target}. Nothing else was lost; delete it when you no longer need it.");
        }
        catch (FileNotFoundException)
        {
            // another reader moved it first
        }
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void DeleteOwnDirectory(string path, ICollection<string>? warnings)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        if (OperatingSystem.IsLinux() && (UnixFileStatus.Read(path) is not var (owner, mode) || owner != UnixFileStatus.EffectiveUserId || (mode & UnixFileStatus.TypeMask) != UnixFileStatus.Directory))
        {
            warnings?.Add($"{path} was left alone: it is not a directory of yours.");
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException ex)
        {
            warnings?.Add($"{path} could not be deleted: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            warnings?.Add($"{path} could not be deleted: {ex.Message}");
        }
    }
}
