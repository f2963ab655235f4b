using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using ServerlessAuth.Security;

namespace ServerlessAuth.ApiKeys;

/// <summary>The public, non-secret id of an API key: <c>key_</c> and 20 base62 characters.</summary>
public readonly partial record struct ApiKeyId
{
    private ApiKeyId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out ApiKeyId id)
    {
        id = value is not null && Format().IsMatch(value) ? new ApiKeyId(value) : default;
        return id.Value is not null;
    }

    internal static ApiKeyId New() => new("key_" + Base62.Random(20));

    /// <summary>An id read back from storage: always valid, unless the table was changed by hand.</summary>
    internal static ApiKeyId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored ApiKeyId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;

    [GeneratedRegex("^key_[0-9A-Za-z]{20}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
