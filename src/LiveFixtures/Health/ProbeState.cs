using System.Collections.Concurrent;
using LiveFixtures.Output;

namespace LiveFixtures.Health;

/// <summary>The per-generation state behind <see cref="ProbeContext"/>.</summary>
internal sealed class ProbeState(
    string name,
    int generation,
    int processId,
    IReadOnlyDictionary<string, int> ports,
    OutputLog output,
    TimeProvider time,
    Func<string, IReadOnlyDictionary<string, string>, string> resolve)
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IProbe, object> _bag = new();

    public string Name => name;

    public int Generation => generation;

    public int ProcessId => processId;

    public IReadOnlyDictionary<string, int> Ports => ports;

    public OutputLog Output => output;

    public TimeProvider Time => time;

    public IReadOnlyDictionary<string, string> Values => _values;

    public string Resolve(string template) => resolve(template, _values);

    public void SetValue(string key, string value) => _values[key] = value;

    public T GetState<T>(IProbe owner, Func<T> create)
        where T : class => (T)_bag.GetOrAdd(owner, _ => create());

    public ProbeContext ToContext() => new(this);
}
