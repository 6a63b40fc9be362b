using LiveFixtures.Output;

namespace LiveFixtures;

/// <summary>Describes the generation a caller got from <see cref="LiveProcess.EnsureReadyAsync"/>: who it is and what came before it.</summary>
public sealed record LiveGeneration
{
    /// <summary>Gets the name of the process.</summary>
    public required string ProcessName { get; init; }

    /// <summary>Gets the generation number, from 1; it grows by one with every spawn.</summary>
    public required int Number { get; init; }

    /// <summary>Gets the process id.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets the ports by name ("port" for the default one).</summary>
    public required IReadOnlyDictionary<string, int> Ports { get; init; }

    /// <summary>Gets the default port, or 0 when none was declared.</summary>
    public int Port => Ports.TryGetValue(Health.PortNames.Default, out var port) ? port : 0;

    /// <summary>Gets the base address of the app, when one was configured.</summary>
    public Uri? BaseAddress { get; init; }

    /// <summary>Gets the values captured by output-line probes' named groups.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the generation's fresh state directory, when one was asked for.</summary>
    public string? WorkspacePath { get; init; }

    /// <summary>Gets when the process was started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it became ready.</summary>
    public required DateTimeOffset ReadyAt { get; init; }

    /// <summary>Gets what happened to the previous generation, or null for the first one.</summary>
    public DeathRecord? Previous { get; init; }

    /// <summary>Gets the generation's output.</summary>
    public required OutputLog Output { get; init; }

    /// <summary>Gets how this generation's processes are held together, so that a stop reaches every one of them.</summary>
    public ContainmentTier Containment { get; init; }

    /// <summary>
    /// Gets the containment in words, with where it lives or why the stronger tier was not available, such as
    /// "process group and session, the test host as child subreaper (no cgroup: the host may not create a cgroup under ...)".
    /// </summary>
    public string ContainmentDetail { get; init; } = "";
}
