using System.Diagnostics.CodeAnalysis;

namespace ServerlessAuth.Apps;

/// <summary>The App ID of an app registration: a random UUID, written lowercase with hyphens.</summary>
public readonly record struct AppId
{
    private AppId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id (any UUID text in the 36-character form), refusing anything else before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out AppId id)
    {
        id = value is { Length: 36 } && Guid.TryParseExact(value, "D", out var guid) ? new AppId(guid.ToString("D")) : default;
        return id.Value is not null;
    }

    internal static AppId New() => new(Guid.NewGuid().ToString("D"));

    /// <summary>An id read back from storage: always valid, unless the table was changed by hand.</summary>
    internal static AppId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored AppId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;
}
