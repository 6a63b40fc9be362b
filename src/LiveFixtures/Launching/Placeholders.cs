using System.Globalization;
using System.Text;

namespace LiveFixtures.Launching;

/// <summary>
/// Resolves <c>{port}</c>, <c>{port:name}</c>, <c>{workspace}</c>, <c>{generation}</c> and <c>{match:group}</c>
/// in argument, environment, URL and path templates. <c>{{</c> and <c>}}</c> stand for braces.
/// </summary>
internal static class Placeholders
{
    /// <summary>Lists the problems of a template: unknown placeholders, ports not declared, unbalanced braces.</summary>
    public static IEnumerable<string> Validate(string template, string where, IReadOnlySet<string> portNames, bool hasWorkspace, bool beforeStart = false, IReadOnlySet<string>? outputPorts = null)
    {
        var problems = new List<string>();
        Walk(template, (name, argument) =>
        {
            switch (name)
            {
                case "port" when beforeStart && outputPorts is not null && outputPorts.Contains(argument ?? Health.PortNames.Default):
                    problems.Add($"{where} uses {{port{(argument is null ? "" : ":" + argument)}}}, but that port is read from the app's output, after it has started: it cannot be passed to the process. Use WithPort() to give it a port instead.");
                    break;
                case "port":
                    var port = argument ?? Health.PortNames.Default;
                    if (!portNames.Contains(port))
                    {
                        problems.Add($"{where} uses {{port{(argument is null ? "" : ":" + argument)}}}, but no port named '{port}' was declared: add WithPort(\"{port}\") or WithFixedPort(\"{port}\", number).");
                    }

                    break;
                case "workspace" when !hasWorkspace:
                    problems.Add($"{where} uses {{workspace}}, but no workspace was asked for: add WithWorkspace().");
                    break;
                case "workspace" or "generation":
                    break;
                case "match" when argument is not null && beforeStart:
                    problems.Add($"{where} uses {{match:{argument}}}, but matched values exist only once the app is running: use them in the base address or in probes, not in what starts the process.");
                    break;
                case "match" when argument is not null:
                    break;
                default:
                    problems.Add($"{where} uses the unknown placeholder {{{name}{(argument is null ? "" : ":" + argument)}}}: the known ones are {{port}}, {{port:name}}, {{workspace}}, {{generation}} and {{match:group}}; write {{{{ and }}}} for literal braces.");
                    break;
            }

            return "";
        }, problem => problems.Add($"{where} '{template}' {problem}"));
        return problems;
    }

    /// <summary>Resolves a template; throws for a placeholder that has no value now.</summary>
    public static string Resolve(string template, Func<string, string?, string?> lookup) =>
        Walk(template, (name, argument) => lookup(name, argument)
            ?? throw new InvalidOperationException($"The placeholder {{{name}{(argument is null ? "" : ":" + argument)}}} in '{template}' has no value yet."),
            problem => throw new InvalidOperationException($"'{template}' {problem}"));

    private static string Walk(string template, Func<string, string?, string> onPlaceholder, Action<string> onSyntaxError)
    {
        var result = new StringBuilder(template.Length);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '}' )
            {
                if (i + 1 < template.Length && template[i + 1] == '}')
                {
                    result.Append('}');
                    i++;
                    continue;
                }

                onSyntaxError(string.Create(CultureInfo.InvariantCulture, $"has a lone '}}' at position {i}: write '}}}}' for a literal brace."));
                return result.ToString();
            }

            if (c != '{')
            {
                result.Append(c);
                continue;
            }

            if (i + 1 < template.Length && template[i + 1] == '{')
            {
                result.Append('{');
                i++;
                continue;
            }

            var close = template.IndexOf('}', i + 1);
            if (close < 0)
            {
                onSyntaxError(string.Create(CultureInfo.InvariantCulture, $"has a '{{' at position {i} that is never closed: write '{{{{' for a literal brace."));
                return result.ToString();
            }

            var body = template[(i + 1)..close];
            var colon = body.IndexOf(':', StringComparison.Ordinal);
            result.Append(colon < 0 ? onPlaceholder(body, null) : onPlaceholder(body[..colon], body[(colon + 1)..]));
            i = close;
        }

        return result.ToString();
    }
}
