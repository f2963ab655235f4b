using System.Buffers.Text;

namespace ServerlessAuth.Tokens;

/// <summary>
/// One encoding per ES256 signature. ECDSA signatures are malleable: when (r, s) verifies, so does (r, n − s), which
/// makes a second, different token text with the same claims (a new digest, so a new entry in the verified-token
/// cache, and a different token to anyone who tells tokens apart by their text). Only the low-S form (s ≤ n/2) is
/// accepted, as Bitcoin and Ethereum do; our signer normalises to it, since .NET's ECDsa produces a high S about half
/// the time. Low-S signatures are ordinary ECDSA signatures: every verifier accepts them.
/// </summary>
internal static class LowS
{
    private const int ScalarBytes = 32;

    /// <summary>The P-256 group order n, big-endian.</summary>
    private static ReadOnlySpan<byte> Order =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ];

    /// <summary>⌊n / 2⌋, big-endian: the largest low S.</summary>
    private static ReadOnlySpan<byte> HalfOrder =>
    [
        0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8,
    ];

    /// <summary>Whether a compact ES256 token's signature (r ‖ s, 64 bytes) has a low S. False for anything else.</summary>
    public static bool IsLow(string token)
    {
        Span<byte> signature = stackalloc byte[2 * ScalarBytes];
        return TryReadSignature(token, signature) && IsLow(signature);
    }

    /// <summary>The token with its signature's S replaced by n − S when it is high: the same signature, in its one accepted encoding.</summary>
    public static string Normalize(string token)
    {
        Span<byte> signature = stackalloc byte[2 * ScalarBytes];
        if (!TryReadSignature(token, signature))
        {
            throw new InvalidOperationException("Not a compact ES256 token.");
        }

        if (IsLow(signature))
        {
            return token;
        }

        var s = signature[ScalarBytes..];
        var borrow = 0;
        for (var i = ScalarBytes - 1; i >= 0; i--)
        {
            var difference = Order[i] - s[i] - borrow;
            borrow = difference < 0 ? 1 : 0;
            s[i] = (byte)(difference + (borrow << 8));
        }

        return string.Concat(token.AsSpan(0, token.LastIndexOf('.') + 1), Base64Url.EncodeToString(signature));
    }

    private static bool IsLow(ReadOnlySpan<byte> signature) => signature[ScalarBytes..].SequenceCompareTo(HalfOrder) <= 0;

    private static bool TryReadSignature(string token, Span<byte> signature)
    {
        var dot = token.LastIndexOf('.');
        return dot >= 0
            && Base64Url.DecodeFromChars(token.AsSpan(dot + 1), signature, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == signature.Length;
    }
}
