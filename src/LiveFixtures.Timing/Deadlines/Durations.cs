using System.Globalization;

namespace LiveFixtures.Timing;

/// <summary>Formats durations and instants for failure messages.</summary>
internal static class Durations
{
    /// <summary>Formats a duration the way a person would say it ("312 ms", "2.5 s", "3 min 5 s").</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == Timeout.InfiniteTimeSpan)
        {
            return "an infinite time";
        }

        var sign = duration < TimeSpan.Zero ? "-" : string.Empty;
        var d = duration.Duration();
        var text = d.TotalMilliseconds switch
        {
            < 1 => d.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + " ms",
            < 1_000 => d.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture) + " ms",
            < 60_000 => d.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s",
            < 3_600_000 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min{(d.Seconds > 0 ? $" {d.Seconds} s" : string.Empty)}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours} h{(d.Minutes > 0 ? $" {d.Minutes} min" : string.Empty)}{(d.Seconds > 0 ? $" {d.Seconds} s" : string.Empty)}"),
        };
        return sign + text;
    }

    /// <summary>Formats an instant with milliseconds, in UTC.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Formats an offset from the start of something ("+1.25 s").</summary>
    public static string Offset(TimeSpan sinceStart) => "+" + Format(sinceStart);

    /// <summary>Describes an exception on one line: its type name and its message, with line breaks folded.</summary>
    public static string Describe(Exception exception) =>
        $"{exception.GetType().Name}: {Truncate(OneLine(exception.Message), 300)}";

    /// <summary>Folds text onto one line, collapsing every run of white space (line breaks included) into one space.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Puts a name that starts a sentence ("The operation") in the middle of one ("the operation"); other names stay as they are.</summary>
    public static string MidSentence(string name) =>
        name.StartsWith("The ", StringComparison.Ordinal) ? string.Concat("the ", name.AsSpan(4)) : name;

    /// <summary>Capitalizes the first letter of a sentence.</summary>
    public static string Sentence(string text) =>
        text.Length == 0 ? text : string.Concat(char.ToUpperInvariant(text[0]).ToString(), text.AsSpan(1));

    /// <summary>Shortens text to a maximum length, marking the cut.</summary>
    public static string Truncate(string text, int maxLength) =>
        text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength), " ...");
}
