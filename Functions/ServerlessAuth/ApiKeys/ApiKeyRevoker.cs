using Microsoft.Extensions.Logging;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// Revokes keys: idempotent, terminal (nothing turns a revoked key active again), and guarded by the key's ETag,
/// so a revocation racing another writer is re-read and re-applied rather than lost or overwritten.
/// </summary>
internal sealed class ApiKeyRevoker(ApiKeyStore keys, CredentialValidator validator, TimeProvider time, ILogger<ApiKeyRevoker> logger)
{
    private const int Attempts = 5;

    /// <summary>Revokes a key; null when it does not exist, the key as it now stands otherwise.</summary>
    public async Task<ApiKey?> RevokeAsync(TenantId tenant, ApiKeyId id, string actor, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var key = await keys.GetAsync(tenant, id, cancellationToken);
            if (key is null)
            {
                return null;
            }

            if (key.Status == ApiKeyStatus.Revoked)
            {
                return key;
            }

            var revoked = key with { Status = ApiKeyStatus.Revoked, RevokedAt = time.GetUtcNow(), RevokedBy = actor };
            var outcome = await keys.ReplaceAsync(revoked, cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                validator.Forget(revoked);
                Log.ApiKeyRevoked(logger, tenant.Value, id.Value, key.Hint, actor);
                return revoked;
            }

            if (outcome == WriteOutcome.NotFound)
            {
                return null;
            }

            Log.ApiKeyWriteConflict(logger, tenant.Value, id.Value);
        }

        throw new ServiceUnavailableException($"Could not revoke key {id.Value} after {Attempts} attempts: the key kept changing.");
    }

    /// <summary>Revokes every key of an operator that is not revoked yet; answers how many it revoked.</summary>
    public async Task<int> RevokeAllOfOperatorAsync(TenantId tenant, OperatorId op, string actor, CancellationToken cancellationToken)
    {
        var count = 0;
        string? token = null;
        do
        {
            var page = await keys.ListAsync(tenant, op, status: null, time.GetUtcNow(), 100, token, cancellationToken);
            foreach (var key in page.Items.Where(k => k.Status != ApiKeyStatus.Revoked))
            {
                if (await RevokeAsync(tenant, key.Id, actor, cancellationToken) is not null)
                {
                    count++;
                }
            }

            token = page.ContinuationToken is { } next && ContinuationToken.TryDecode(next, out var decoded) ? decoded : null;
        }
        while (token is not null);

        return count;
    }
}
