using System.Text.Json.Serialization;

namespace LiveFixtures.Records;

/// <summary>The JSON shape of run records and health snapshots: camelCase, indented, unknown fields ignored on read.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(FixtureHealth))]
internal sealed partial class RecordsJson : JsonSerializerContext
{
}
