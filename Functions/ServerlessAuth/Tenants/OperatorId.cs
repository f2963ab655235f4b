using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ServerlessAuth.Tenants;

/// <summary>
/// An operator id, chosen by the provider's backend (its user id): 1 to 64 characters of letters, digits and
/// <c>. _ @ : -</c>, starting with a letter or digit. Nothing that Table Storage keys or URLs treat specially.
/// </summary>
public readonly partial record struct OperatorId
{
    private OperatorId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out OperatorId id)
    {
        id = value is not null && Format().IsMatch(value) ? new OperatorId(value) : default;
        return id.Value is not null;
    }

    /// <summary>An id read back from storage: always valid, unless the table was changed by hand.</summary>
    internal static OperatorId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored OperatorId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
