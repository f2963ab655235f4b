using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;
using System.Text;
using System.Text.RegularExpressions;
using ServerlessAuth.Security;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// The text rules of an API key, <c>{prefix}_{environment}_{tenantId}_{32 random base62}{6 base62 CRC32}</c>: pure
/// functions with no dependency but the BCL and System.IO.Hashing. The server compiles this file, and so does the
/// ServerlessAuth.AspNetCore package (linked, not copied), so that the package refuses exactly what the server refuses,
/// in-process, before a key ever leaves the provider's API.
/// </summary>
internal static partial class ApiKeyText
{
    public const int RandomLength = 32;
    public const int ChecksumLength = 6;

    /// <summary>The fixed start of every key of a deployment, e.g. <c>sa_live_</c>.</summary>
    public static string Lead(string prefix, string environment) => $"{prefix}_{environment}_";

    /// <summary>A key prefix or environment marker (<c>sa</c>, <c>live</c>): 2 to 8 lowercase letters.</summary>
    public static bool IsMarker([NotNullWhen(true)] string? value) => value is not null && MarkerFormat().IsMatch(value);

    /// <summary>
    /// A tenant id: 3 to 32 lowercase letters, digits and inner hyphens. It sits inside keys, so it has no underscore,
    /// the key's separator.
    /// </summary>
    public static bool IsTenantId([NotNullWhen(true)] string? value) => value is not null && TenantIdFormat().IsMatch(value);

    /// <summary>A new key of <paramref name="tenantId"/> (random part from a CSPRNG, then its checksum).</summary>
    public static string Create(string lead, string tenantId)
    {
        var body = $"{lead}{tenantId}_{Base62.Random(RandomLength)}";
        return body + Checksum(body);
    }

    /// <summary>
    /// Checks the shape and checksum of a presented key and answers its tenant id. Pure computation: a key that fails
    /// here touches no storage and no network.
    /// </summary>
    public static bool TryParse(string presented, string lead, [NotNullWhen(true)] out string? tenantId)
    {
        tenantId = null;
        if (!presented.StartsWith(lead, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = presented.AsSpan(lead.Length);
        var separator = rest.LastIndexOf('_');
        if (separator < 0 || rest.Length - separator - 1 != RandomLength + ChecksumLength || !Base62.IsBase62(rest[(separator + 1)..]))
        {
            return false;
        }

        var tenant = rest[..separator].ToString();
        var body = presented.AsSpan(0, presented.Length - ChecksumLength);
        if (!IsTenantId(tenant) || !Checksum(body).AsSpan().SequenceEqual(presented.AsSpan(presented.Length - ChecksumLength)))
        {
            return false;
        }

        tenantId = tenant;
        return true;
    }

    private static string Checksum(ReadOnlySpan<char> body)
    {
        Span<byte> bytes = stackalloc byte[Encoding.ASCII.GetMaxByteCount(body.Length)];
        var count = Encoding.ASCII.GetBytes(body, bytes);
        return Base62.Encode(Crc32.HashToUInt32(bytes[..count]), ChecksumLength);
    }

    [GeneratedRegex("^[a-z]{2,8}$", RegexOptions.CultureInvariant)]
    private static partial Regex MarkerFormat();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantIdFormat();
}
