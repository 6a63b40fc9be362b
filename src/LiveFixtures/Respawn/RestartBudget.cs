namespace LiveFixtures;

/// <summary>
/// Limits respawns in the style of OTP supervisors and systemd start limits: at most
/// <see cref="MaxRespawns"/> respawns within <see cref="Window"/>; past that the handle is Faulted.
/// </summary>
/// <param name="MaxRespawns">How many respawns are allowed within the window.</param>
/// <param name="Window">The sliding window the respawns are counted in.</param>
public sealed record RestartBudget(int MaxRespawns, TimeSpan Window)
{
    /// <summary>Gets the default budget.</summary>
    /// <value>3 respawns within 60 seconds.</value>
    public static RestartBudget Default { get; } = new(3, TimeSpan.FromSeconds(60));

    /// <summary>Gets a budget that never runs out (use with care: a crash loop then never fails fast).</summary>
    public static RestartBudget Unlimited { get; } = new(int.MaxValue, TimeSpan.FromSeconds(1));
}
