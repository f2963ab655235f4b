using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using ServerlessAuth.Security;

namespace ServerlessAuth.Tenants;

/// <summary>
/// A tenant id: 3 to 32 characters of lowercase letters, digits and inner hyphens (<c>acme-prod</c>).
/// Chosen by the provider (to match its workspace ids) or generated. It appears inside API keys, so it has
/// no underscore, the key's separator.
/// </summary>
public readonly partial record struct TenantId
{
    private TenantId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out TenantId id)
    {
        id = value is not null && Format().IsMatch(value) ? new TenantId(value) : default;
        return id.Value is not null;
    }

    internal static TenantId New() => new("t" + Base62.Random(11).ToLowerInvariant());

    /// <summary>An id read back from storage: always valid, unless the table was changed by hand.</summary>
    internal static TenantId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored TenantId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
