using System.Globalization;
using System.Text;

namespace LiveFixtures.Benchmarks.Figures;

/// <summary>Collects the figures as Markdown, printed as they come and written to a file at the end.</summary>
internal sealed class Report
{
    private readonly StringBuilder _text = new();

    public void Line(string text)
    {
        Console.WriteLine(text);
        _text.AppendLine(text).AppendLine();
    }

    public void Table(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var lines = new List<string>
        {
            "| " + string.Join(" | ", header) + " |",
            "|" + string.Join("|", header.Select((_, i) => i == 0 ? "---" : "---:")) + "|",
        };
        lines.AddRange(rows.Select(r => "| " + string.Join(" | ", r) + " |"));
        foreach (var line in lines)
        {
            Console.WriteLine(line);
            _text.AppendLine(line);
        }

        Console.WriteLine();
        _text.AppendLine();
    }

    public override string ToString() => _text.ToString();

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static string Ms(double ms) => ms.ToString(ms < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";
}
