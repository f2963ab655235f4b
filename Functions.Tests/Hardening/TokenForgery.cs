using System.Buffers.Text;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// Builds JWS compact tokens byte by byte, signed with any key, so that a test can make exactly the token an
/// attacker would: with the service's own signing key (what an insider or a leaked key could sign: the flaw is then
/// only in the header or claims it carries), with a key of the attacker's, or with no valid signature at all.
/// </summary>
public sealed class TokenForgery(ECDsa signingKey, string kid, string genuine)
{
    /// <summary>The order n of the P-256 group: ES256 signatures (r, s) and (r, n − s) both verify.</summary>
    public static readonly BigInteger P256Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    /// <summary>A token the service issued (header, claims and signature as they came).</summary>
    public string Genuine { get; } = genuine;

    /// <summary>The <c>kid</c> of the service's signing key.</summary>
    public string Kid { get; } = kid;

    /// <summary>The service's signing key (public part only, as PEM): what anyone reads from the JWKS.</summary>
    public string PublicKeyPem { get; } = signingKey.ExportSubjectPublicKeyInfoPem();

    /// <summary>The header the service writes: ES256, <c>typ: at+jwt</c>, its <c>kid</c>.</summary>
    public JsonObject Header() => new() { ["alg"] = "ES256", ["typ"] = "at+jwt", ["kid"] = Kid };

    /// <summary>The genuine token's claims with a fresh <c>jti</c>, so that a forgery never names a real token.</summary>
    public JsonObject Claims()
    {
        var claims = AppTestData.Payload(Genuine);
        claims["jti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        return claims;
    }

    /// <summary>Signs with the service's own key.</summary>
    public string Sign(JsonObject header, JsonObject claims) => SignRaw(header.ToJsonString(), claims.ToJsonString());

    /// <summary>Signs exactly these header and payload bytes (duplicate members and all) with the service's key.</summary>
    public string SignRaw(string headerJson, string payloadJson) => SignWith(signingKey, headerJson, Encode(payloadJson));

    /// <summary>Signs a header and an already encoded payload (compressed, empty…) with the service's key.</summary>
    public string SignEncoded(string headerJson, string encodedPayload) => SignWith(signingKey, headerJson, encodedPayload);

    /// <summary>
    /// Signs with another P-256 key (an attacker's), ES256 as JWS wants it (r||s, 64 bytes), in the low-S encoding the
    /// service accepts (the forger makes the best token it can; the high-S twin is <c>LowSSignatureTests</c>).
    /// </summary>
    public static string SignWith(ECDsa key, string headerJson, string encodedPayload)
    {
        var input = Encode(headerJson) + "." + encodedPayload;
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256);
        var s = new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true);
        if (s > P256Order / 2)
        {
            Array.Clear(signature, 32, 32);
            var low = (P256Order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
            low.CopyTo(signature, 64 - low.Length);
        }

        return input + "." + Base64Url.EncodeToString(signature);
    }

    public static string SignWith(RSA key, string headerJson, string payloadJson)
    {
        var input = Encode(headerJson) + "." + Encode(payloadJson);
        return input + "." + Base64Url.EncodeToString(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>HS256 keyed with <paramref name="secret"/>: the algorithm-confusion attack when the secret is our public key.</summary>
    public static string SignHmac(byte[] secret, string headerJson, string payloadJson)
    {
        var input = Encode(headerJson) + "." + Encode(payloadJson);
        return input + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    public static string Encode(string json) => Encode(Encoding.UTF8.GetBytes(json));

    public static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>The public JWK of a P-256 key, as a <c>jwk</c> header would embed it.</summary>
    public static JsonObject PublicJwk(ECDsa key)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64Url.EncodeToString(parameters.Q.X),
            ["y"] = Base64Url.EncodeToString(parameters.Q.Y),
        };
    }
}
