using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Options;
using ServerlessAuth.Security;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// The API key format: <c>{prefix}_{environment}_{tenantId}_{32 random base62}{6 base62 CRC32}</c>,
/// e.g. <c>sa_live_acme-prod_4fG8k2LmQz9Xb…Tq0x1</c>.
/// </summary>
/// <remarks>
/// 32 base62 characters carry 190 random bits. The CRC32 (GitHub style) covers everything before it, so a
/// mistyped or truncated key is rejected without a storage read, and secret scanners can tell a real key from
/// look-alikes. The tenant id is part of the key so that the key's entity can live in its tenant's partition:
/// validation is one point read and every state change is one atomic partition transaction (see README).
/// </remarks>
internal sealed class ApiKeyFormat(IOptions<ServerlessAuthOptions> options)
{
    public const int RandomLength = 32;
    public const int ChecksumLength = 6;

    private readonly string _lead = $"{options.Value.ApiKeys.Prefix}_{options.Value.ApiKeys.Environment}_";

    /// <summary>The fixed start of every key of this deployment, e.g. <c>sa_live_</c>.</summary>
    public string Lead => _lead;

    public string Create(TenantId tenant)
    {
        var body = $"{_lead}{tenant.Value}_{Base62.Random(RandomLength)}";
        return body + Checksum(body);
    }

    /// <summary>
    /// Checks the shape and checksum of a presented key. Pure computation: no storage is touched for a key
    /// that fails here.
    /// </summary>
    public bool TryParse(string presented, out TenantId tenant)
    {
        tenant = default;
        if (!presented.StartsWith(_lead, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = presented.AsSpan(_lead.Length);
        var separator = rest.LastIndexOf('_');
        if (separator < 0 || rest.Length - separator - 1 != RandomLength + ChecksumLength)
        {
            return false;
        }

        var tail = rest[(separator + 1)..];
        if (!Base62.IsBase62(tail) || !TenantId.TryParse(rest[..separator].ToString(), out tenant))
        {
            return false;
        }

        var body = presented.AsSpan(0, presented.Length - ChecksumLength);
        return Checksum(body).AsSpan().SequenceEqual(presented.AsSpan(presented.Length - ChecksumLength));
    }

    /// <summary>The non-secret hint shown in listings: the deployment lead and the last four characters.</summary>
    public string Hint(string key) => $"{_lead}…{key[^4..]}";

    private static string Checksum(ReadOnlySpan<char> body)
    {
        Span<byte> bytes = stackalloc byte[Encoding.ASCII.GetMaxByteCount(body.Length)];
        var count = Encoding.ASCII.GetBytes(body, bytes);
        return Base62.Encode(Crc32.HashToUInt32(bytes[..count]), ChecksumLength);
    }
}
