using System.Security.Cryptography;
using System.Text;

namespace ServerlessAuth.Security;

/// <summary>
/// The stored form of a high-entropy secret: SHA-256, lowercase hex. The secrets hashed here carry at least
/// 160 random bits, so a plain digest is enough (no salt or stretching is needed to resist guessing), and
/// equal secrets map to equal digests, which is what makes lookup by secret a single point read.
/// </summary>
internal static class SecretDigest
{
    public static string Compute(string secret)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Compares two digests in constant time (no early exit that would reveal a common prefix).</summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
