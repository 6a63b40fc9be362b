using System.Text.Json.Serialization;

namespace LiveFixtures.Tool;

/// <summary>The JSON the tool prints with --json.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<PsRow>))]
[JsonSerializable(typeof(List<FixtureHealth>))]
internal sealed partial class ToolJson : JsonSerializerContext
{
}
