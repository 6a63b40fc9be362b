using System.Globalization;
using System.Text.RegularExpressions;

namespace LiveFixtures.Launching;

/// <summary>
/// A file written into each generation's workspace before it starts, such as a server's configuration. In its text
/// only <c>{port}</c>, <c>{port:name}</c>, <c>{workspace}</c> and <c>{generation}</c> are replaced; every other
/// brace stays as written, so configuration syntax such as nginx's <c>http { ... }</c> needs no escaping.
/// </summary>
/// <param name="RelativePath">The file's path inside the workspace.</param>
/// <param name="Content">The file's text, with placeholders.</param>
internal sealed partial record StartFile(string RelativePath, string Content)
{
    /// <summary>Lists the problems of the files: paths that leave the workspace, ports that were not declared.</summary>
    public static IEnumerable<string> Validate(IEnumerable<StartFile> files, IReadOnlySet<string> portNames, IReadOnlySet<string> outputPorts)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var where = $"The file '{file.RelativePath}' (WithFile)";
            if (Path.IsPathRooted(file.RelativePath) || file.RelativePath.Split('/', '\\').Any(s => s is ".." or ""))
            {
                yield return $"{where} must be a relative path inside the workspace, without '..' or empty parts: write it as \"nginx.conf\" or \"conf/nginx.conf\", and use {{workspace}} in the file's text or the arguments to name where it is.";
            }
            else if (!seen.Add(Path.GetFullPath(file.RelativePath, "/")))
            {
                yield return $"{where} is written twice: pass each file to WithFile once.";
            }

            foreach (Match match in Placeholder().Matches(file.Content))
            {
                if (match.Groups["name"].Value != "port")
                {
                    continue;
                }

                var port = match.Groups["arg"].Success ? match.Groups["arg"].Value : Health.PortNames.Default;
                if (outputPorts.Contains(port))
                {
                    yield return $"{where} uses {match.Value}, but that port is read from the app's output, after it has started: it cannot be written before the start. Use WithPort(\"{port}\") to give it a port instead.";
                }
                else if (!portNames.Contains(port))
                {
                    yield return $"{where} uses {match.Value}, but no port named '{port}' was declared: add WithPort(\"{port}\") or WithFixedPort(\"{port}\", number).";
                }
            }
        }
    }

    /// <summary>Writes the files into <paramref name="workspace"/>, with the generation's placeholders resolved.</summary>
    public static void WriteAll(IEnumerable<StartFile> files, string workspace, IReadOnlyDictionary<string, int> ports, int generation)
    {
        foreach (var file in files)
        {
            var path = Path.Combine(workspace, file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Resolve(workspace, ports, generation));
        }
    }

    /// <summary>Resolves the file's text for one generation.</summary>
    public string Resolve(string workspace, IReadOnlyDictionary<string, int> ports, int generation) =>
        Placeholder().Replace(Content, match => match.Groups["name"].Value switch
        {
            "workspace" => workspace,
            "generation" => generation.ToString(CultureInfo.InvariantCulture),
            _ => ports[match.Groups["arg"].Success ? match.Groups["arg"].Value : Health.PortNames.Default].ToString(CultureInfo.InvariantCulture),
        });

    [GeneratedRegex(@"\{(?<name>port)(?::(?<arg>[^{}:\s]+))?\}|\{(?<name>workspace|generation)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
