using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using ServerlessAuth.Security;

namespace ServerlessAuth.Apps;

/// <summary>The public, non-secret id of one App Secret: <c>sec_</c> and 12 base62 characters.</summary>
public readonly partial record struct AppSecretId
{
    private AppSecretId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out AppSecretId id)
    {
        id = value is not null && Format().IsMatch(value) ? new AppSecretId(value) : default;
        return id.Value is not null;
    }

    internal static AppSecretId New() => new("sec_" + Base62.Random(12));

    /// <summary>An id read back from storage: always valid, unless the table was changed by hand.</summary>
    internal static AppSecretId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored AppSecretId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;

    [GeneratedRegex("^sec_[0-9A-Za-z]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
