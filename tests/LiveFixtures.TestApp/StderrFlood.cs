using System.Globalization;

namespace LiveFixtures.TestApp;

/// <summary>
/// Writes stderr lines as fast as it can from its own thread around the ready line: N before it is printed, N after,
/// so that both output streams are busy at the moment a ready-line probe must see it.
/// </summary>
internal sealed class StderrFlood
{
    private readonly int _lines;
    private readonly ManualResetEventSlim _before = new();
    private long _written;
    private long _stopAt = long.MaxValue;

    private StderrFlood(int lines) => _lines = lines;

    /// <summary>Starts the flood and returns once its first N lines are written.</summary>
    public static StderrFlood Start(int lines)
    {
        var flood = new StderrFlood(lines);
        new Thread(flood.Run) { IsBackground = true, Name = "stderr flood" }.Start();
        flood._before.Wait();
        return flood;
    }

    /// <summary>Lets the flood write N more lines, then stop.</summary>
    public void ReadyPrinted() => Interlocked.Exchange(ref _stopAt, Interlocked.Read(ref _written) + _lines);

    private void Run()
    {
        for (var n = 1L; n <= Interlocked.Read(ref _stopAt); n++)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flood {n} on stderr while the ready line is printed"));
            Interlocked.Exchange(ref _written, n);
            if (n == _lines)
            {
                _before.Set();
            }
        }
    }
}
