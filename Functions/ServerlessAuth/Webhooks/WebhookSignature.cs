using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// Standard Webhooks signing: secrets <c>whsec_{base64 of 32 random bytes}</c>; the signature of a message is
/// <c>v1,{base64 of HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")}</c>, and
/// <c>webhook-signature</c> carries one such value per live secret, separated by spaces.
/// </summary>
internal static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const int KeyBytes = 32;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>The HMAC key of a secret: the bytes after the prefix.</summary>
    public static byte[] KeyOf(string secret) => Convert.FromBase64String(secret[SecretPrefix.Length..]);

    /// <summary>The <c>webhook-signature</c> header: one <c>v1,</c> signature per secret, in the order given.</summary>
    public static string Header(IEnumerable<string> secrets, string id, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}");
        return string.Join(' ', secrets.Select(secret =>
        {
            var key = KeyOf(secret);
            try
            {
                return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }));
    }
}
