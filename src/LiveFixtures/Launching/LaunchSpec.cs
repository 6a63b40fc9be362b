using System.Collections.Immutable;
using LiveFixtures.Health;
using LiveFixtures.Respawn;

namespace LiveFixtures.Launching;

/// <summary>Everything the builder collected; immutable, so a builder can be copied and shared.</summary>
internal sealed record LaunchSpec
{
    public string? Name { get; init; }

    public string Command { get; init; } = "";

    public ImmutableList<string> Arguments { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    public ImmutableDictionary<string, string?> Environment { get; init; } = ImmutableDictionary<string, string?>.Empty;

    public ImmutableList<PortSpec> Ports { get; init; } = [];

    public bool Workspace { get; init; }

    public bool WorkspaceAsWorkingDirectory { get; init; }

    public ImmutableList<StartFile> Files { get; init; } = [];

    public string? BaseAddress { get; init; }

    public IProbe? Readiness { get; init; }

    public IProbe? Liveness { get; init; }

    public TimeSpan LivenessTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public int LivenessFailureThreshold { get; init; } = 3;

    public TimeSpan LivenessRetryInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Gets the most one liveness check takes: every attempt timing out, with the pauses between them.</summary>
    public TimeSpan LivenessCheckLimit => (LivenessTimeout * Math.Max(1, LivenessFailureThreshold)) + (LivenessRetryInterval * Math.Max(0, LivenessFailureThreshold - 1));

    public TimeSpan SettleAfterTest { get; init; } = TimeSpan.Zero;

    public bool CheckLivenessOnEnsure { get; init; } = true;

    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ReadinessFirstDelay { get; init; } = ReadinessPoll.DefaultFirst;

    public TimeSpan ReadinessMaxDelay { get; init; } = ReadinessPoll.DefaultMax;

    public int StartRetries { get; init; } = 2;

    public TimeSpan StartRetryQuickExit { get; init; } = TimeSpan.FromSeconds(1);

    public RestartBudget RestartBudget { get; init; } = RestartBudget.Default;

    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);

    public int OutputMaxLines { get; init; } = 2000;

    public long OutputMaxCharacters { get; init; } = 1024 * 1024;

    public int OutputTailLines { get; init; } = 50;

    public string? LogDirectory { get; init; }

    public bool ProcessGroup { get; init; } = true;

    /// <summary>Gets the key of the machine-wide single-instance lease, when the app may not run twice on a machine.</summary>
    public string? SingleInstance { get; init; }

    /// <summary>Gets how long a start waits for a machine-wide lease (fixed port, single instance) another host holds.</summary>
    public TimeSpan MachineLeaseWait { get; init; } = MachineLease.DefaultWait;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Gets the values replaced by "***" in the arguments a run record stores.</summary>
    public ImmutableList<string> Secrets { get; init; } = [];

    /// <summary>Gets what the first start does about an earlier run's leftovers, unless LIVEFIXTURES_LEFTOVERS says otherwise.</summary>
    public LeftoverPolicy Leftovers { get; init; } = LeftoverPolicy.Reap;

    /// <summary>Gets the run store to record in, or null for the per-user one.</summary>
    public string? RunStoreRoot { get; init; }

    public string DisplayName => Name ?? Path.GetFileNameWithoutExtension(Command);
}
