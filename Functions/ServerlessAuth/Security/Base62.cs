using System.Security.Cryptography;

namespace ServerlessAuth.Security;

/// <summary>Base62 alphabet helpers: random strings from a CSPRNG and fixed-width encoding of integers.</summary>
internal static class Base62
{
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A uniformly random base62 string (each character carries log2(62) ≈ 5.95 bits).</summary>
    public static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);

    /// <summary>Encodes <paramref name="value"/> as exactly <paramref name="width"/> base62 digits, most significant first.</summary>
    public static string Encode(uint value, int width)
    {
        Span<char> buffer = stackalloc char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            buffer[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }

        return new string(buffer);
    }

    public static bool IsBase62(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
