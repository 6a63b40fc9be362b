using LiveFixtures.Output;

namespace LiveFixtures.Extensibility;

/// <summary>Describes the generation a probe is checking.</summary>
public readonly struct ProbeContext
{
    private readonly ProbeState _state;

    internal ProbeContext(ProbeState state) => _state = state;

    /// <summary>Gets the name of the process, as given to the builder.</summary>
    public string Name => _state.Name;

    /// <summary>Gets the generation number, from 1.</summary>
    public int Generation => _state.Generation;

    /// <summary>Gets the process id of the generation.</summary>
    public int ProcessId => _state.ProcessId;

    /// <summary>Gets the ports allocated for the generation, by name ("port" for the default one).</summary>
    public IReadOnlyDictionary<string, int> Ports => _state.Ports;

    /// <summary>Gets the output the generation has written.</summary>
    public OutputLog Output => _state.Output;

    /// <summary>Gets the clock of the handle.</summary>
    public TimeProvider Time => _state.Time;

    /// <summary>Gets the values captured so far by output-line probes' named groups.</summary>
    public IReadOnlyDictionary<string, string> Values => _state.Values;

    /// <summary>Resolves <c>{port}</c>, <c>{port:name}</c>, <c>{workspace}</c>, <c>{generation}</c> and <c>{match:group}</c> in a template.</summary>
    /// <param name="template">The template.</param>
    /// <returns>The resolved text.</returns>
    public string Resolve(string template) => _state.Resolve(template);

    /// <summary>Records a value (such as a port the app chose itself) for the generation.</summary>
    /// <param name="name">The value's name, used as <c>{match:name}</c>.</param>
    /// <param name="value">The value.</param>
    public void SetValue(string name, string value) => _state.SetValue(name, value);

    /// <summary>Gets or creates state that lives as long as this generation, keyed by the probe that owns it.</summary>
    /// <typeparam name="T">The state type.</typeparam>
    /// <param name="owner">The probe that owns the state.</param>
    /// <param name="create">Creates the state the first time.</param>
    /// <returns>The state.</returns>
    public T GetState<T>(IProbe owner, Func<T> create)
        where T : class => _state.GetState(owner, create);
}
