using System.Diagnostics.CodeAnalysis;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Security;

namespace ServerlessAuth.Tenants;

/// <summary>
/// A tenant id: 3 to 32 characters of lowercase letters, digits and inner hyphens (<c>acme-prod</c>).
/// Chosen by the provider (to match its workspace ids) or generated. It appears inside API keys, so it has
/// no underscore, the key's separator (the format is <see cref="ApiKeyText.IsTenantId"/>, shared with the package).
/// </summary>
public readonly record struct TenantId
{
    private TenantId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out TenantId id)
    {
        id = ApiKeyText.IsTenantId(value) ? new TenantId(value) : default;
        return id.Value is not null;
    }

    internal static TenantId New() => new("t" + Base62.Random(11).ToLowerInvariant());

    /// <summary>An id read back from storage: always valid, unless the table was changed by hand.</summary>
    internal static TenantId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored TenantId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;
}
