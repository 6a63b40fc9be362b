using System.Diagnostics;
using System.Globalization;

namespace LiveFixtures.TestApp;

/// <summary>Prints filler lines at a steady rate, like a chatty app.</summary>
internal static class Noise
{
    private const int LineLength = 80;
    private const string Filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt";

    /// <summary>Prints <paramref name="perSecond"/> lines a second until the process ends.</summary>
    public static async Task RunAsync(int perSecond)
    {
        var clock = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(Math.Clamp(1000 / perSecond, 1, 100));
        long printed = 0;
        while (true)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
            while (printed < due)
            {
                printed++;
                var head = string.Create(CultureInfo.InvariantCulture, $"noise {printed} ");
                Console.WriteLine(head + Filler[..(LineLength - head.Length)]);
            }

            await Task.Delay(pause);
        }
    }
}
