using System.Text.Json.Serialization;

namespace LiveFixtures.Records;

/// <summary>The JSON shape of a record log's lines: as <see cref="RecordsJson"/>, but one object per line (not indented).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    IgnoreReadOnlyProperties = true)]
[JsonSerializable(typeof(RecordLine))]
internal sealed partial class RecordLogJson : JsonSerializerContext
{
}
