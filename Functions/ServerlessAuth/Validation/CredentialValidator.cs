using Microsoft.Extensions.Logging;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Validation;

/// <summary>
/// Decides whether a presented credential is good and what it may do. JWTs (told apart by shape: an API key never
/// contains '.') go to <see cref="JwtValidator"/>. An API key: format and checksum (no I/O), one cached point read by
/// secret digest, status and expiry, the tenant's API access, and the operator's current permissions.
/// </summary>
internal sealed class CredentialValidator(
    ApiKeyFormat format,
    ApiKeyStore keys,
    TenantDirectory directory,
    ReadThroughCache cache,
    JwtValidator jwts,
    ApiAccessPolicy access,
    TimeProvider time,
    ILogger<CredentialValidator> logger)
{
    public async ValueTask<ValidationOutcome> ValidateAsync(string presented, IReadOnlySet<string> requiredScopes, CancellationToken cancellationToken)
    {
        if (CompactJws.IsJwtShaped(presented))
        {
            return await jwts.ValidateAsync(presented, requiredScopes, cancellationToken);
        }

        if (!format.TryParse(presented, out var tenantId))
        {
            // Wrong shape or checksum: refused without touching storage.
            Log.UnknownCredentialRejected(logger, "apiKey", "format or checksum");
            return ValidationOutcome.Reject(RejectionReason.InvalidCredential);
        }

        var digest = SecretDigest.Compute(presented);
        var key = await cache.GetAsync(SecretCacheKey(tenantId, digest), (keys, tenantId, digest), static (s, ct) => s.keys.FindBySecretAsync(s.tenantId, s.digest, ct), cancellationToken);

        // The lookup matched on the digest already; the constant-time comparison keeps it that way should the
        // lookup ever become a prefix or range match.
        if (key is null || !SecretDigest.FixedTimeEquals(key.SecretDigest, digest))
        {
            Log.UnknownCredentialRejected(logger, "apiKey", "unknown key");
            return ValidationOutcome.Reject(RejectionReason.InvalidCredential);
        }

        // From here on the secret matched: revealing the key's state to its holder is safe.
        var now = time.GetUtcNow();
        var status = key.EffectiveStatus(now);
        if (status != ApiKeyStatus.Active)
        {
            var reason = status == ApiKeyStatus.Revoked ? RejectionReason.Revoked : RejectionReason.Expired;
            Log.ValidationRejected(logger, "apiKey", reason.ToString(), key.Id.Value, key.Hint);
            return ValidationOutcome.Reject(reason, key.Id.Value, Holder(key));
        }

        var tenant = await directory.GetTenantAsync(tenantId, cancellationToken);
        var op = await directory.GetOperatorAsync(tenantId, key.OperatorId, cancellationToken);
        if (tenant is null || op is null || !op.Backs(key.OperatorGeneration))
        {
            // The tenant or the operator was removed (an operator created again with its id inherits none of its keys):
            // every key it held stops working.
            Log.ValidationRejected(logger, "apiKey", nameof(RejectionReason.Revoked), key.Id.Value, key.Hint);
            return ValidationOutcome.Reject(RejectionReason.Revoked, key.Id.Value, Holder(key));
        }

        if (!access.Allows(tenant))
        {
            Log.ValidationRejected(logger, "apiKey", nameof(RejectionReason.ApiNotEnabled), key.Id.Value, key.Hint);
            return ValidationOutcome.Reject(RejectionReason.ApiNotEnabled, key.Id.Value, Holder(key));
        }

        // Permission inheritance: a key never does more than its operator may do now.
        var effective = Scopes.Effective(key.Scopes, op.Permissions);
        if (!requiredScopes.IsSubsetOf(effective))
        {
            Log.ValidationRejected(logger, "apiKey", nameof(RejectionReason.InsufficientScope), key.Id.Value, key.Hint);
            return ValidationOutcome.Reject(RejectionReason.InsufficientScope, key.Id.Value, Holder(key), requiredScopes);
        }

        return ValidationOutcome.Success(new CredentialPrincipal
        {
            Kind = "apiKey",
            Tenant = tenant,
            CredentialId = key.Id.Value,
            Subject = op.Id.Value,
            Scopes = effective,
            ExpiresAt = key.ExpiresAt,
            Operator = op,
            ApiKey = key,
            Stale = key.IsStale(now, tenant.StaleAfterDays),
        });
    }

    /// <summary>Drops the cached copy of a key after a local change, so this instance sees it at once.</summary>
    public void Forget(ApiKey key) => cache.Invalidate(SecretCacheKey(key.TenantId, key.SecretDigest));

    private static string SecretCacheKey(TenantId tenant, string digest) => $"secret|{tenant.Value}|{digest}";

    private static CredentialHolder Holder(ApiKey key) => new(key.TenantId, key.Id.Value, key.Hint);
}
