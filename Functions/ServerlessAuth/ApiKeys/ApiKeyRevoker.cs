using Microsoft.Extensions.Logging;
using ServerlessAuth.Audit;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

namespace ServerlessAuth.ApiKeys;

/// <summary>
/// Revokes keys: idempotent, terminal (nothing turns a revoked key active again), and guarded by the key's ETag,
/// so a revocation racing another writer is re-read and re-applied rather than lost or overwritten.
/// </summary>
internal sealed class ApiKeyRevoker(ApiKeyStore keys, CredentialValidator validator, LifecycleSchedule schedule, TimeProvider time, ILogger<ApiKeyRevoker> logger)
{
    private const int Attempts = 5;

    /// <summary>Revokes a key; null when it does not exist, the key as it now stands otherwise.</summary>
    public Task<ApiKey?> RevokeAsync(TenantId tenant, ApiKeyId id, string actor, CancellationToken cancellationToken) =>
        RevokeAsync(tenant, id, actor, AuditEventTypes.KeyRevoked, detail: null, cancellationToken);

    /// <summary>Revokes a key, recording the event as <paramref name="reasonType"/> (e.g. an automatic revocation).</summary>
    public async Task<ApiKey?> RevokeAsync(TenantId tenant, ApiKeyId id, string actor, string reasonType, string? detail, CancellationToken cancellationToken)
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

            var now = time.GetUtcNow();
            var revoked = key with { Status = ApiKeyStatus.Revoked, RevokedAt = now, RevokedBy = actor };
            var audit = new AuditEvent
            {
                TenantId = tenant,
                At = now,
                Type = reasonType,
                Actor = actor,
                CredentialId = id.Value,
                Hint = key.Hint,
                Detail = detail,
            };
            await schedule.TrackEndAsync(tenant, id.Value, now, cancellationToken);
            var outcome = await keys.ReplaceAsync(revoked, audit, cancellationToken);
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

    /// <summary>Drops the cached copy of a key after a local change, so this instance sees it at once.</summary>
    public void Forget(ApiKey key) => validator.Forget(key);

    /// <summary>Revokes every key of an operator that is not revoked yet; answers the ids of those it revoked.</summary>
    public async Task<IReadOnlyList<string>> RevokeAllOfOperatorAsync(TenantId tenant, OperatorId op, string actor, CancellationToken cancellationToken)
    {
        var revoked = new List<string>();
        string? token = null;
        do
        {
            var page = await keys.ListAsync(tenant, op, status: null, time.GetUtcNow(), 100, token, cancellationToken);
            foreach (var key in page.Items.Where(k => k.Status != ApiKeyStatus.Revoked))
            {
                if (await RevokeAsync(tenant, key.Id, actor, AuditEventTypes.KeyRevoked, "operator removed", cancellationToken) is not null)
                {
                    revoked.Add(key.Id.Value);
                }
            }

            token = page.ContinuationToken is { } next && ContinuationToken.TryDecode(next, out var decoded) ? decoded : null;
        }
        while (token is not null);

        return revoked;
    }
}
