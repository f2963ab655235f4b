using System.Buffers;
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
        Sha256OfUtf8(secret, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// SHA-256 of <paramref name="secret"/>'s UTF-8 bytes, encoded in a stack buffer (short secrets: API keys) or a
    /// pooled one (long ones: JWTs), without allocating; the bytes are cleared after hashing, not left behind.
    /// </summary>
    public static void Sha256OfUtf8(string secret, Span<byte> hash)
    {
        var max = Encoding.UTF8.GetMaxByteCount(secret.Length);
        var rented = max <= 512 ? null : ArrayPool<byte>.Shared.Rent(max);
        var buffer = rented ?? stackalloc byte[max];
        var bytes = buffer[..Encoding.UTF8.GetBytes(secret, buffer)];
        SHA256.HashData(bytes, hash);
        CryptographicOperations.ZeroMemory(bytes);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Compares two digests in constant time (no early exit that would reveal a common prefix), on their UTF-16
    /// code units: no copy, and unlike an ASCII encoding two different non-ASCII strings never compare equal.
    /// </summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a.AsSpan()), MemoryMarshal.AsBytes(b.AsSpan()));
}
