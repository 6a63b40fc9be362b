namespace LiveFixtures.Respawn;

/// <summary>Counts respawns in the sliding window of a <see cref="RestartBudget"/> and keeps the deaths.</summary>
internal sealed class RespawnLedger(RestartBudget budget, TimeProvider time)
{
    private readonly Queue<DateTimeOffset> _respawns = new();
    private readonly List<DeathRecord> _deaths = [];

    /// <summary>Gets every death recorded, oldest first.</summary>
    public IReadOnlyList<DeathRecord> Deaths => _deaths;

    /// <summary>Records a death.</summary>
    public void RecordDeath(DeathRecord death) => _deaths.Add(death);

    /// <summary>Claims one respawn; false when the budget is used up within the window.</summary>
    public bool TryClaimRespawn()
    {
        var now = time.GetUtcNow();
        while (_respawns.Count > 0 && now - _respawns.Peek() >= budget.Window)
        {
            _respawns.Dequeue();
        }

        if (_respawns.Count >= budget.MaxRespawns)
        {
            return false;
        }

        _respawns.Enqueue(now);
        return true;
    }

    /// <summary>Gets how many respawns the budget still allows in its current window.</summary>
    public int Left()
    {
        var now = time.GetUtcNow();
        var used = _respawns.Count(r => now - r < budget.Window);
        return budget.MaxRespawns == int.MaxValue ? int.MaxValue : Math.Max(0, budget.MaxRespawns - used);
    }

    /// <summary>Lists the deaths that fall in the current window, for the faulted message.</summary>
    public IReadOnlyList<DeathRecord> DeathsInWindow()
    {
        var since = time.GetUtcNow() - budget.Window;
        return _deaths.Where(d => d.At >= since).ToList();
    }

    /// <summary>Forgets the respawns counted so far (after a deliberate stop).</summary>
    public void Reset() => _respawns.Clear();
}
