using System.Buffers.Text;
using System.Text.Json;

namespace ServerlessAuth.Tokens;

/// <summary>
/// The checks made on a presented JWT before it is parsed in full: compact JWS serialization only (three
/// base64url segments; a five-segment JWE is refused), a small header holding exactly <c>alg: ES256</c>,
/// <c>typ: at+jwt</c> and a <c>kid</c>, nothing else (no <c>zip</c>, <c>jku</c>, <c>x5u</c>, <c>jwk</c>,
/// <c>x5c</c>, <c>crit</c>): a verifier never follows a key or URL found in a token.
/// </summary>
internal static class CompactJws
{
    private const int MaxHeaderSegment = 512;
    private const int MaxKidLength = 64;

    /// <summary>An ES256 signature is 64 bytes: 86 base64url characters.</summary>
    private const int SignatureSegment = 86;

    /// <summary>True when an API key could never look like this: API keys have no '.'.</summary>
    public static bool IsJwtShaped(string presented) => presented.Contains('.', StringComparison.Ordinal);

    /// <summary>The <c>kid</c> of a token that passes every pre-parse check; null otherwise.</summary>
    public static string? TryReadKid(string token)
    {
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.Length - 1 || token.IndexOf('.', second + 1) >= 0)
        {
            return null;
        }

        var header = token.AsSpan(0, first);
        var payload = token.AsSpan(first + 1, second - first - 1);
        var signature = token.AsSpan(second + 1);
        if (header.Length > MaxHeaderSegment || signature.Length != SignatureSegment
            || !Base64Url.IsValid(header) || !Base64Url.IsValid(payload) || !Base64Url.IsValid(signature))
        {
            return null;
        }

        try
        {
            return ReadHeader(Base64Url.DecodeFromChars(header));
        }
        catch (JsonException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? ReadHeader(byte[] json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? alg = null, typ = null, kid = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return null;
            }

            var value = reader.GetString();
            switch (name)
            {
                case "alg" when alg is null: alg = value; break;
                case "typ" when typ is null: typ = value; break;
                case "kid" when kid is null: kid = value; break;

                // Anything else (zip, jku, x5u, jwk, x5c, crit, enc, a repeated member) is refused.
                default: return null;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        return alg == "ES256" && typ == TokenIssuer.TokenType && kid is { Length: > 0 and <= MaxKidLength } ? kid : null;
    }
}
