using Microsoft.Extensions.Logging;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// The lifecycle job's steps for app registrations and their secrets (index entries named by
/// <see cref="AppCredential"/>): record "expiring soon" and "expired" once per secret, mark apps past their
/// <c>expiresAt</c> expired, and after the retention period drop expired secrets from their app and delete ended
/// apps. As for keys: every change is conditional on the app row's ETag and re-checked against it, an app is never
/// made active again, and events that must be recorded once have deterministic row keys.
/// </summary>
internal sealed class AppLifecycleSteps(
    AppStore apps,
    AppDirectory directory,
    AuditStore audit,
    LifecycleSchedule schedule,
    CredentialRateLimiter limiter,
    ILogger<AppLifecycleSteps> logger)
{
    private const int Attempts = 3;

    /// <summary>Processes one entry (it leaves the index unless this throws); answers what it changed.</summary>
    public async Task<LifecycleChanges> ProcessAsync(DueEntry entry, AppId appId, AppSecretId? secretId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (entry.Kind, secretId) switch
        {
            (DueKind.Expire, null) => await ExpireAppAsync(entry.TenantId, appId, now, cancellationToken),
            (DueKind.Expire, { } s) => await ExpireSecretAsync(entry.TenantId, appId, s, now, cancellationToken),
            (DueKind.ExpiringSoon, { } s) => await NotifySecretExpiringSoonAsync(entry, appId, s, now, cancellationToken),
            (DueKind.Purge, null) => await PurgeAppAsync(entry.TenantId, appId, now, cancellationToken),
            (DueKind.Purge, { } s) => await PurgeSecretAsync(entry.TenantId, appId, s, now, cancellationToken),
            _ => LifecycleChanges.None,
        };

    private async Task<LifecycleChanges> ExpireAppAsync(TenantId tenant, AppId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var app = await apps.GetAsync(tenant, id, cancellationToken);
            if (app is null || app.Status != AppStatus.Active || app.ExpiresAt is not { } expiresAt || expiresAt > now)
            {
                return LifecycleChanges.None;
            }

            await schedule.TrackEndAsync(tenant, AppCredential.Of(id), expiresAt, cancellationToken);
            var outcome = await apps.ReplaceAsync(app with { Status = AppStatus.Expired }, Event(tenant, id, AuditEventTypes.AppExpired, expiresAt), cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(tenant, id);
                Log.AppExpired(logger, tenant.Value, id.Value);
                return LifecycleChanges.AppExpired;
            }

            if (outcome == WriteOutcome.NotFound)
            {
                return LifecycleChanges.None;
            }
        }

        throw new ServiceUnavailableException($"App {id.Value} kept changing while being expired.");
    }

    private async Task<LifecycleChanges> ExpireSecretAsync(TenantId tenant, AppId id, AppSecretId secretId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var app = await apps.GetAsync(tenant, id, cancellationToken);
        var secret = app?.Secrets.FirstOrDefault(s => s.Id == secretId);
        if (app is null || secret is null || secret.IsActive(now) || app.EffectiveStatus(now) != AppStatus.Active)
        {
            // Removed, not yet due, or its app ended (the whole app is purged then).
            return LifecycleChanges.None;
        }

        await schedule.TrackEndAsync(tenant, AppCredential.Of(id, secretId), secret.ExpiresAt, cancellationToken);
        var recorded = await audit.AddAsync(Event(tenant, id, AuditEventTypes.AppSecretExpired, secret.ExpiresAt) with
        {
            RelatedCredentialId = secretId.Value,
            OnceKey = "secretExpired|" + secretId.Value,
        }, cancellationToken);
        return recorded ? LifecycleChanges.AppSecretExpired : LifecycleChanges.None;
    }

    private async Task<LifecycleChanges> NotifySecretExpiringSoonAsync(
        DueEntry entry, AppId id, AppSecretId secretId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var app = await apps.GetAsync(entry.TenantId, id, cancellationToken);
        var secret = app?.Secrets.FirstOrDefault(s => s.Id == secretId);
        if (app is null || secret is null || !secret.IsActive(now) || app.EffectiveStatus(now) != AppStatus.Active
            || app.ActiveSecrets(now).Any(s => s.ExpiresAt > secret.ExpiresAt))
        {
            // Gone, expired already, or its successor exists (rotated): nothing to warn about.
            return LifecycleChanges.None;
        }

        var recorded = await audit.AddAsync(Event(entry.TenantId, id, AuditEventTypes.AppSecretExpiringSoon, entry.DueAt) with
        {
            RelatedCredentialId = secretId.Value,
            Detail = $"expires at {secret.ExpiresAt:O}",
            OnceKey = "secretSoon|" + secretId.Value,
        }, cancellationToken);
        return recorded ? LifecycleChanges.ExpiringSoon : LifecycleChanges.None;
    }

    private async Task<LifecycleChanges> PurgeSecretAsync(TenantId tenant, AppId id, AppSecretId secretId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var app = await apps.GetAsync(tenant, id, cancellationToken);
            var secret = app?.Secrets.FirstOrDefault(s => s.Id == secretId);
            if (app is null || secret is null || secret.ExpiresAt + schedule.Retention > now)
            {
                return LifecycleChanges.None;
            }

            var outcome = await apps.ReplaceAsync(app with { Secrets = [.. app.Secrets.Where(s => s.Id != secretId)] }, null, cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                directory.Forget(tenant, id);
                return LifecycleChanges.Purged;
            }

            if (outcome == WriteOutcome.NotFound)
            {
                return LifecycleChanges.None;
            }
        }

        throw new ServiceUnavailableException($"App {id.Value} kept changing while purging a secret.");
    }

    private async Task<LifecycleChanges> PurgeAppAsync(TenantId tenant, AppId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var app = await apps.GetAsync(tenant, id, cancellationToken);
        if (app is null || app.EndedAt(now) is not { } endedAt || endedAt + schedule.Retention > now)
        {
            return LifecycleChanges.None;
        }

        // A conflict means the app changed meanwhile; the entry stays and the next run looks again.
        var outcome = await apps.DeleteAsync(app, cancellationToken);
        if (outcome == WriteOutcome.Conflict)
        {
            throw new ServiceUnavailableException($"App {id.Value} changed while being purged.");
        }

        if (outcome == WriteOutcome.Done)
        {
            directory.Forget(tenant, id);
            await limiter.ForgetAsync(new RateLimitKey(tenant, "app:" + id.Value), cancellationToken);
            return LifecycleChanges.Purged;
        }

        return LifecycleChanges.None;
    }

    private static AuditEvent Event(TenantId tenant, AppId app, string type, DateTimeOffset at) => new()
    {
        TenantId = tenant,
        At = at,
        Type = type,
        Actor = LifecycleJob.Actor,
        CredentialId = app.Value,
    };
}
