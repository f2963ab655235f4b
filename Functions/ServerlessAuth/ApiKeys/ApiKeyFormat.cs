using Microsoft.Extensions.Options;
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
    public const int RandomLength = ApiKeyText.RandomLength;
    public const int ChecksumLength = ApiKeyText.ChecksumLength;

    /// <summary>The fixed start of every key of this deployment, e.g. <c>sa_live_</c>.</summary>
    public string Lead { get; } = ApiKeyText.Lead(options.Value.ApiKeys.Prefix, options.Value.ApiKeys.Environment);

    public string Create(TenantId tenant) => ApiKeyText.Create(Lead, tenant.Value);

    /// <summary>
    /// Checks the shape and checksum of a presented key (<see cref="ApiKeyText.TryParse"/>). Pure computation: no
    /// storage is touched for a key that fails here.
    /// </summary>
    public bool TryParse(string presented, out TenantId tenant)
    {
        tenant = default;
        return ApiKeyText.TryParse(presented, Lead, out var tenantId) && TenantId.TryParse(tenantId, out tenant);
    }

    /// <summary>The non-secret hint shown in listings: the deployment lead and the last four characters.</summary>
    public string Hint(string key) => $"{Lead}…{key[^4..]}";
}
