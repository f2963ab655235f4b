using Microsoft.Extensions.Logging;
using ServerlessAuth.Audit;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Apps;

/// <summary>
/// Revokes apps: idempotent, terminal, and guarded by the app row's ETag, so a revocation racing another writer is
/// re-read and re-applied rather than lost. Used by the revoke route and by the removal of the operator who
/// registered them.
/// </summary>
internal sealed class AppRevoker(AppStore store, AppDirectory directory, LifecycleSchedule schedule, TimeProvider time, ILogger<AppRevoker> logger)
{
    private const int Attempts = 3;

    /// <summary>
    /// Revokes an app. <c>App</c>: the app as it now stands (also when it was revoked already), null when there is no
    /// such app; <c>Raced</c>: it kept changing for every attempt and nothing was done.
    /// </summary>
    public async Task<(App? App, bool Raced)> RevokeAsync(TenantId tenant, AppId id, string actor, string? detail, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var app = await store.GetAsync(tenant, id, cancellationToken);
            if (app is null || app.Status == AppStatus.Revoked)
            {
                return (app, false);
            }

            // An expired app can still be revoked (it then ends as revoked, for the record). Its purge is indexed first.
            var now = time.GetUtcNow();
            var revoked = app with { Status = AppStatus.Revoked, RevokedAt = now, RevokedBy = actor };
            var audit = new AuditEvent { TenantId = tenant, At = now, Type = AuditEventTypes.AppRevoked, Actor = actor, CredentialId = id.Value, Detail = detail };
            await schedule.TrackEndAsync(tenant, AppCredential.Of(id), now, cancellationToken);
            var outcome = await store.ReplaceAsync(revoked, audit, cancellationToken);
            if (outcome == WriteOutcome.NotFound)
            {
                return (null, false);
            }

            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(tenant, id);
                Log.AppRevoked(logger, tenant.Value, id.Value, actor);
                return (revoked, false);
            }

            Log.AppWriteConflict(logger, tenant.Value, id.Value);
        }

        return (null, true);
    }

    /// <summary>
    /// Revokes every app <paramref name="op"/> registered that is not revoked yet: how many it revoked, and whether it
    /// revoked them all (false when one kept changing).
    /// </summary>
    public async Task<(int Revoked, bool Done)> RevokeAllRegisteredByAsync(TenantId tenant, OperatorId op, string actor, CancellationToken cancellationToken)
    {
        var (count, done) = (0, true);
        string? token = null;
        do
        {
            var page = await store.ListRegisteredByAsync(tenant, op, 100, token, cancellationToken);
            foreach (var app in page.Items.Where(a => a.Status != AppStatus.Revoked))
            {
                var (revoked, raced) = await RevokeAsync(tenant, app.Id, actor, "operator removed", cancellationToken);
                count += revoked is not null ? 1 : 0;
                done &= !raced;
            }

            token = page.ContinuationToken is { } next && ContinuationToken.TryDecode(next, out var decoded) ? decoded : null;
        }
        while (token is not null);

        return (count, done);
    }
}
