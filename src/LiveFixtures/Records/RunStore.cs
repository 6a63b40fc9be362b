using System.Globalization;
using System.Text.Json;
using LiveFixtures.Launching;
using LiveFixtures.Platform;

namespace LiveFixtures.Records;

/// <summary>
/// Reads and writes run records and health snapshots under one per-user directory: <c>runs/RUNID.jsonl</c> (a run's
/// record log, see <see cref="RecordLog"/>; <c>runs/RUNID.json</c> for a record written whole by an earlier version),
/// <c>health/RUNID/FIXTURE.json</c>, and <c>corrupt/</c> for files that could not be read.
/// </summary>
/// <remarks>
/// Each run's host appends to its own log only what changed (created atomically at its first write: a temporary file
/// in the same directory, flushed to disk, then renamed), so a write costs the same however long the run's history,
/// and hosts never wait for each other. The watchdog and a later run's sweep append their marks to the same log; no
/// writer rewrites another's lines. Reading is tolerant: unknown fields are ignored, missing ones take their defaults,
/// a line cut by a crash is skipped, and a file that is not a record is moved aside to <c>corrupt/</c> with a
/// warning; nothing else is lost.
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

    /// <summary>Gets the directory of the watchdogs' logs (one per run, kept only when its watchdog had to act).</summary>
    public string WatchdogDirectory => Path.Combine(Root, "watchdog");

    /// <summary>Returns the path of the watchdog's log for <paramref name="runId"/>, its directory created (owner only).</summary>
    public string WatchdogLog(string runId)
    {
        Private(Root);
        return Path.Combine(Private(WatchdogDirectory), FileName(runId) + ".log");
    }

    /// <summary>Gets the directory that corrupt files are moved to.</summary>
    public string CorruptDirectory => Path.Combine(Root, "corrupt");

    /// <summary>Opens the store at <see cref="StateDirectory.Resolve"/>.</summary>
    public static RunStore OpenDefault() => new(StateDirectory.Resolve());

    /// <summary>Writes a whole run record as a fresh log, atomically, replacing the run's previous one.</summary>
    /// <exception cref="UnauthorizedAccessException">The store's directory is not safe to use (a link, or another user's; see <see cref="PrivateFolder"/>).</exception>
    public void Write(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.RunId);
        Create(record.RunId, RecordLog.Whole(record));
    }

    /// <summary>Creates (or replaces) a run's log atomically with lines already serialized by <see cref="RecordLog"/>.</summary>
    /// <exception cref="UnauthorizedAccessException">The store's directory is not safe to use.</exception>
    public void Create(string runId, byte[] lines)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        Private(Root);
        Private(RunsDirectory);
        WriteAtomically(RunPath(runId), lines);
    }

    /// <summary>Appends lines already serialized by <see cref="RecordLog"/> to a run's existing log, with one <c>O_APPEND</c> write.</summary>
    /// <exception cref="FileNotFoundException">The run has no log yet (or it was pruned): <see cref="Create"/> it.</exception>
    public void Append(string runId, byte[] lines)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        Private(Root);
        Private(RunsDirectory);
        RecordLog.Append(RunPath(runId), lines);
    }

    /// <summary>
    /// Rewrites a run's log compacted, once its run has ended: only the last state of each generation, the marks folded
    /// in, and the run's line, so that reading it costs one line per generation. Done under the log's lock
    /// (<see cref="RecordLog.Lock"/>), which every append takes too: a mark appended at the same time by the watchdog,
    /// another run's sweep or <c>livefixtures reap</c> lands either before the read (and is folded in) or after the rename
    /// (in the new log), never in the replaced one. Written atomically (temporary file, flushed, renamed).
    /// </summary>
    /// <returns>Whether the log was rewritten (false: no log, or nothing to fold).</returns>
    public bool Compact(string runId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var path = RunPath(runId);
        if (!File.Exists(path))
        {
            return false;
        }

        using var held = RecordLog.Lock(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return false; // pruned meanwhile
        }

        if (RecordLog.Fold(bytes) is not { } run)
        {
            return false;
        }

        var compacted = RecordLog.Whole(run);
        if (compacted.Length >= bytes.Length)
        {
            return false;
        }

        WriteAtomically(path, compacted);
        return true;
    }

    /// <summary>
    /// Marks generations of a run this process does not own (the watchdog, a later run's sweep): appended to the run's
    /// log, after a newline that ends a line the run's dead host may have cut; a record an earlier version wrote whole
    /// is read, changed and written back. Does nothing when the run has no record.
    /// </summary>
    /// <returns>Whether the run had a record to mark.</returns>
    public bool Mark(string runId, IReadOnlyCollection<RecordMark> marks)
    {
        ArgumentNullException.ThrowIfNull(marks);
        if (marks.Count == 0)
        {
            return false;
        }

        if (File.Exists(RunPath(runId)))
        {
            using var buffer = new MemoryStream();
            buffer.WriteByte((byte)'\n');
            foreach (var mark in marks)
            {
                buffer.Write(RecordLog.Line(new RecordLine { Mark = mark }));
            }

            try
            {
                Append(runId, buffer.ToArray());
                return true;
            }
            catch (FileNotFoundException)
            {
                return false; // pruned since
            }
        }

        var legacy = LegacyPath(runId);
        if (!File.Exists(legacy) || ReadFile(legacy, warnings: null) is not { } run)
        {
            return false;
        }

        foreach (var mark in marks)
        {
            if (run.Generations.FindLast(mark.IsAbout) is { } generation)
            {
                mark.ApplyTo(generation);
                run.SweptBy = mark.By;
            }
        }

        WriteAtomically(legacy, JsonSerializer.SerializeToUtf8Bytes(run, RecordsJson.Default.RunRecord));
        return true;
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

    /// <summary>Reads one run's record (its log, else a record an earlier version wrote whole), or returns null when there is none (or it was corrupt and moved aside).</summary>
    public RunRecord? Read(string runId, ICollection<string>? warnings = null) =>
        File.Exists(RunPath(runId)) ? ReadFile(RunPath(runId), warnings) : ReadFile(LegacyPath(runId), warnings);

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
        foreach (var file in Directory.EnumerateFiles(RunsDirectory).Where(IsRecordFile))
        {
            if (skipEnded && (IsLog(file) ? RecordLog.HasEnded(file) : HasEnded(file)))
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
    /// Deletes the records (and health snapshots, watchdog logs and kept workspaces) of runs that ended, or were last written, more
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
            if (Directory.Exists(WatchdogDirectory))
            {
                File.Delete(Path.Combine(WatchdogDirectory, FileName(run.RunId) + ".log"));
            }

            File.Delete(RunPath(run.RunId));
            File.Delete(RecordLog.LockPath(RunPath(run.RunId)));
            File.Delete(LegacyPath(run.RunId));
            removed.Add(run.RunId);
        }

        return removed;
    }

    /// <summary>Makes a string safe as one file name: anything but letters, digits, '-', '_' and '.' becomes '_'.</summary>
    public static string FileName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).TrimStart('.') is { Length: > 0 } safe ? safe : "_";

    /// <summary>
    /// Tells from the head of a record written whole by an earlier version (its run-level fields come before its
    /// generations) whether the run's end was recorded; anything unclear (a cut or odd file) is "no", so the file is
    /// read whole.
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

    /// <summary>Gets the path of a run's record log.</summary>
    internal string RunPath(string runId) => Path.Combine(RunsDirectory, FileName(runId) + RecordLog.Extension);

    private string LegacyPath(string runId) => Path.Combine(RunsDirectory, FileName(runId) + ".json");

    private static bool IsLog(string path) => path.EndsWith(RecordLog.Extension, StringComparison.Ordinal);

    private static bool IsRecordFile(string path) => IsLog(path) || path.EndsWith(".json", StringComparison.Ordinal);

    private RunRecord? ReadFile(string path, ICollection<string>? warnings) =>
        IsLog(path)
            ? Deserialize(path, bytes => RecordLog.Fold(bytes), warnings)
            : Deserialize(path, bytes => JsonSerializer.Deserialize(bytes, RecordsJson.Default.RunRecord) is { RunId.Length: > 0 } run ? run : null, warnings);

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
        var target = Path.Combine(CorruptDirectory, string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}{Path.GetExtension(path)}"));
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
