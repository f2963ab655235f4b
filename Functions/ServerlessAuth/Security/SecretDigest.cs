using System.Runtime.InteropServices;
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
        var max = Encoding.UTF8.GetMaxByteCount(secret.Length);
        var bytes = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(secret, bytes);
        SHA256.HashData(bytes[..length], hash);
        CryptographicOperations.ZeroMemory(bytes[..length]); // the secret's bytes are not left behind
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// Compares two digests in constant time (no early exit that would reveal a common prefix), on their UTF-16
    /// code units: no copy, and unlike an ASCII encoding two different non-ASCII strings never compare equal.
    /// </summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a.AsSpan()), MemoryMarshal.AsBytes(b.AsSpan()));
}
