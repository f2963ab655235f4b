using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using ServerlessAuth.Security;

namespace ServerlessAuth.Webhooks;

/// <summary>A webhook endpoint's id: <c>wh_</c> and 20 random base62 characters.</summary>
public readonly partial record struct WebhookId
{
    private WebhookId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out WebhookId id)
    {
        id = value is not null && Format().IsMatch(value) ? new WebhookId(value) : default;
        return id.Value is not null;
    }

    internal static WebhookId New() => new("wh_" + Base62.Random(20));

    internal static WebhookId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored WebhookId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;

    [GeneratedRegex("^wh_[0-9A-Za-z]{20}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}

/// <summary>
/// An event's id, sent as <c>webhook-id</c> (the same on every attempt and redelivery, so receivers can drop
/// duplicates) and used as the delivery id in an endpoint's delivery log: <c>msg_</c>, 11 base62 digits of the event
/// time counted backwards (so that ids sort newest first), and 12 random base62 characters.
/// </summary>
public readonly partial record struct WebhookEventId
{
    private const int TimeWidth = 11;

    private WebhookEventId(string value) => Value = value;

    /// <summary>The id as text.</summary>
    public string Value { get; }

    /// <summary>Parses an id, refusing anything outside the format before it reaches storage.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out WebhookEventId id)
    {
        id = value is not null && Format().IsMatch(value) ? new WebhookEventId(value) : default;
        return id.Value is not null;
    }

    internal static WebhookEventId New(DateTimeOffset at) => new("msg_" + TimeKey(at) + Base62.Random(12));

    /// <summary>The id prefix of events at <paramref name="at"/>: ids of later events sort before it, of earlier ones after.</summary>
    internal static string TimeKey(DateTimeOffset at)
    {
        var value = (ulong)(DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks);
        Span<char> digits = stackalloc char[TimeWidth];
        for (var i = TimeWidth - 1; i >= 0; i--)
        {
            digits[i] = Base62.Alphabet[(int)(value % 62)];
            value /= 62;
        }

        return new string(digits);
    }

    internal static WebhookEventId FromStorage(string? value) =>
        TryParse(value, out var id) ? id : throw new InvalidDataException("Stored WebhookEventId is malformed.");

    /// <inheritdoc />
    public override string ToString() => Value;

    [GeneratedRegex("^msg_[0-9A-Za-z]{23}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
