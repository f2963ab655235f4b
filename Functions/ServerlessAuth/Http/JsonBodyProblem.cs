using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ServerlessAuth.Http;

/// <summary>
/// The 400 for a JSON body the serializer refused. The serializer's own messages quote the caller's member names (an
/// API key pasted as a member name would come back in the answer, and from there into a client's logs) and .NET type
/// names, so none of its text is used: the body is looked at again and the answer names only the endpoint's own
/// members.
/// </summary>
internal static class JsonBodyProblem
{
    public const string UnknownMember = "The body has a member this endpoint does not accept.";

    public static ApiProblem For(JsonException refusal, ReadOnlySpan<byte> json, JsonTypeInfo type)
    {
        // The serializer's path says under which member it stopped; only a member of the endpoint's own is named.
        var comparison = type.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var path = refusal.Path ?? "";
        var at = type.Properties.FirstOrDefault(p => IsUnder(path, p.Name, comparison))?.Name;

        var (names, valid) = TopLevelNames(json, type.Options.MaxDepth);
        if (!valid)
        {
            // Line and byte positions are the reader's own numbers, never the caller's text.
            var where = refusal.LineNumber is { } line && refusal.BytePositionInLine is { } position ? $" (line {line + 1}, byte {position + 1})" : "";
            return ApiProblem.InvalidRequest($"The body is not valid JSON{where}.", at);
        }

        if (names is null)
        {
            return ApiProblem.InvalidRequest("The body must be a JSON object.");
        }

        var given = new List<JsonPropertyInfo>(names.Count);
        foreach (var name in names)
        {
            var property = type.Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison));
            if (property is null)
            {
                return ApiProblem.InvalidRequest(UnknownMember);
            }

            given.Add(property);
        }

        if (given.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated)
        {
            return ApiProblem.InvalidRequest($"{repeated.Key} is given more than once.", repeated.Key);
        }

        var missing = type.Properties.Where(p => p.IsRequired && !given.Contains(p)).Select(p => p.Name).ToList();
        if (missing.Count > 0)
        {
            return ApiProblem.InvalidRequest($"The body lacks required members: {string.Join(", ", missing)}.", missing[0]);
        }

        // What is left is a value of the wrong type or shape.
        return at is null
            ? ApiProblem.InvalidRequest("The body does not have the shape this endpoint accepts.")
            : ApiProblem.InvalidRequest($"{at} has the wrong type or format.", at);
    }

    /// <summary>The names of the top-level members (null when the body is not an object), and whether the JSON is well-formed.</summary>
    private static (List<string>? Names, bool Valid) TopLevelNames(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            if (!reader.Read())
            {
                return (null, false);
            }

            var names = reader.TokenType == JsonTokenType.StartObject ? new List<string>() : null;
            while (reader.Read())
            {
                if (names is not null && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    names.Add(reader.GetString()!);
                }
            }

            return (names, true);
        }
        catch (JsonException)
        {
            return (null, false);
        }
    }

    /// <summary>Whether a serializer path (<c>$.name</c>, <c>$.scopes[0]</c>, <c>$['name']</c>) starts at member <paramref name="name"/>.</summary>
    private static bool IsUnder(string path, string name, StringComparison comparison)
    {
        foreach (var prefix in (ReadOnlySpan<string>)[$"$.{name}", $"$['{name}']"])
        {
            if (path.StartsWith(prefix, comparison) && (path.Length == prefix.Length || path[prefix.Length] is '.' or '['))
            {
                return true;
            }
        }

        return false;
    }
}
