using Microsoft.Extensions.Logging;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// The lifecycle job: marks keys past expiry expired, records "expiring soon" once per key, flags stale keys and
/// revokes them where the tenant says so, deletes ended keys after the retention period, does the same for apps and
/// their secrets (<see cref="AppLifecycleSteps"/>), deletes audit events past the audit retention period, forgets
/// revoked token ids once their tokens have expired, and rotates the JWT signing key when it is due.
/// </summary>
/// <remarks>
/// It reads only the index partitions of the days since its last complete run, up to now (see
/// <see cref="DueStore"/>), so its cost follows the number of credentials due. It is idempotent and safe to run
/// twice at once: every change is conditional on the key's ETag and re-checked against the key as stored, events
/// that must be recorded once have deterministic row keys, and it never makes a key active again, so a revocation
/// racing it is never undone. A failed item stays in the index for the next run; failures are collected and
/// reported once at the end.
/// </remarks>
internal sealed class LifecycleJob(
    DueStore due,
    ApiKeyStore keys,
    TenantStore tenants,
    AuditStore audit,
    ApiKeyRevoker revoker,
    LifecycleSchedule schedule,
    RevokedTokenStore revokedTokens,
    SigningKeyRing signingKeys,
    CredentialRateLimiter limiter,
    AppLifecycleSteps appSteps,
    AuditRetention auditRetention,
    ServerlessAuthTelemetry telemetry,
    TimeProvider time,
    ILogger<LifecycleJob> logger)
{
    public const string Actor = "lifecycle";

    public async Task<LifecycleReport> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var report = new LifecycleReport { StartedAt = now };
        var today = DueStore.Day(now);
        foreach (var kind in Enum.GetValues<DueKind>())
        {
            var day = await due.GetCursorAsync(kind, cancellationToken) ?? today;
            for (var date = DueStore.ParseDay(day); string.CompareOrdinal(DueStore.Day(date), today) <= 0; date = date.AddDays(1))
            {
                var failuresBefore = report.Failures.Count;
                var entries = await due.ListDueAsync(kind, DueStore.Day(date), now, cancellationToken);
                report.EntriesRead += entries.Count;
                foreach (var entry in entries)
                {
                    await ProcessAsync(entry, now, report, cancellationToken);
                }

                // A past day whose entries were all processed is never read again.
                if (DueStore.Day(date) != today && report.Failures.Count == failuresBefore)
                {
                    await due.AdvanceCursorAsync(kind, DueStore.Day(date.AddDays(1)), cancellationToken);
                }
            }
        }

        await RunStepAsync("revokedTokens", report, async () => report.RevokedTokensPurged = await revokedTokens.PurgeExpiredAsync(now, cancellationToken), cancellationToken);
        await RunStepAsync("signingKeys", report, async () =>
        {
            var (outcome, _) = await signingKeys.RotateIfDueAsync(cancellationToken);
            report.SigningKeyRotation = outcome.ToString();
        }, cancellationToken);

        report.FinishedAt = time.GetUtcNow();
        telemetry.RecordLifecycleRun(report);
        Log.LifecycleRunFinished(logger, report.EntriesRead, report.Expired, report.ExpiringSoon, report.FlaggedStale, report.AutoRevoked, report.Purged, report.Failures.Count);
        return report;
    }

    /// <summary>A whole-run step (not per credential): a fault is reported with the others, not thrown.</summary>
    private async Task RunStepAsync(string step, LifecycleReport report, Func<Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            Log.LifecycleItemFailed(logger, step, "-", "-", e);
            report.Failures.Add(new LifecycleFailure { Step = step, TenantId = "", CredentialId = "", Error = e.GetType().Name });
        }
    }

    private async Task ProcessAsync(DueEntry entry, DateTimeOffset now, LifecycleReport report, CancellationToken cancellationToken)
    {
        try
        {
            if (entry.Kind == DueKind.AuditPurge)
            {
                report.AuditEventsPurged += await audit.PurgeBeforeAsync(entry.TenantId, now - auditRetention.Retention, cancellationToken);
            }
            else if (entry.Kind == DueKind.StalePolicy)
            {
                await ReindexStaleAsync(entry.TenantId, now, report, cancellationToken);
            }
            else if (AppCredential.TryParse(entry.CredentialId, out var appId, out var secretId))
            {
                if (!await appSteps.ProcessAsync(entry, appId, secretId, now, report, cancellationToken))
                {
                    return;
                }
            }
            else if (ApiKeyId.TryParse(entry.CredentialId, out var keyId))
            {
                var done = entry.Kind switch
                {
                    DueKind.Expire => await ExpireAsync(entry.TenantId, keyId, now, report, cancellationToken),
                    DueKind.ExpiringSoon => await NotifyExpiringSoonAsync(entry, keyId, now, report, cancellationToken),
                    DueKind.Stale => await CheckStaleAsync(entry.TenantId, keyId, now, report, cancellationToken),
                    DueKind.Purge => await PurgeAsync(entry.TenantId, keyId, now, report, cancellationToken),
                    _ => true,
                };
                if (!done)
                {
                    return;
                }
            }

            await due.DeleteAsync(entry, cancellationToken);
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            Log.LifecycleItemFailed(logger, entry.Kind.ToString(), entry.TenantId.Value, entry.CredentialId, e);
            report.Failures.Add(new LifecycleFailure
            {
                Step = entry.Kind.ToString(),
                TenantId = entry.TenantId.Value,
                CredentialId = entry.CredentialId,
                Error = e is Azure.RequestFailedException rfe ? $"{e.GetType().Name} {rfe.Status}" : e.GetType().Name,
            });
        }
    }

    private async Task<bool> ExpireAsync(TenantId tenant, ApiKeyId id, DateTimeOffset now, LifecycleReport report, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var key = await keys.GetAsync(tenant, id, cancellationToken);
            if (key is null || key.Status != ApiKeyStatus.Active || key.ExpiresAt > now)
            {
                // Gone, revoked, expired already, or (after a rotation shortened it) handled by an earlier entry.
                return true;
            }

            await schedule.TrackEndAsync(tenant, id.Value, key.ExpiresAt, cancellationToken);
            var expired = key with { Status = ApiKeyStatus.Expired };
            var audit1 = Event(tenant, key, AuditEventTypes.KeyExpired, key.ExpiresAt);
            var outcome = await keys.ReplaceAsync(expired, audit1, cancellationToken);
            if (outcome == WriteOutcome.Done)
            {
                revoker.Forget(expired);
                report.Expired++;
                return true;
            }

            if (outcome == WriteOutcome.NotFound)
            {
                return true;
            }
        }

        throw new ServiceUnavailableException($"Key {id.Value} kept changing while being expired.");
    }

    private async Task<bool> NotifyExpiringSoonAsync(DueEntry entry, ApiKeyId id, DateTimeOffset now, LifecycleReport report, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(entry.TenantId, id, cancellationToken);
        if (key is null || key.EffectiveStatus(now) != ApiKeyStatus.Active || key.RotatedTo is not null)
        {
            return true;
        }

        // Deterministic row: a second run (or a retry after a crash) writes the same event, which exists already.
        if (await audit.AddAsync(Event(entry.TenantId, key, AuditEventTypes.KeyExpiringSoon, entry.DueAt) with
        {
            Detail = $"expires at {key.ExpiresAt:O}",
            OnceKey = "soon|" + id.Value,
        }, cancellationToken))
        {
            report.ExpiringSoon++;
        }

        return true;
    }

    private async Task<bool> CheckStaleAsync(TenantId tenantId, ApiKeyId id, DateTimeOffset now, LifecycleReport report, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(tenantId, id, cancellationToken);
        var tenant = key is null ? null : await tenants.GetAsync(tenantId, cancellationToken);
        if (key is null || tenant is null || key.EffectiveStatus(now) != ApiKeyStatus.Active)
        {
            return true;
        }

        if (!key.IsStale(now, tenant.StaleAfterDays))
        {
            // Used since this entry was written, or the tenant lengthened its policy: look again when it may be stale.
            // The new entry falls after now, so it differs from the one being deleted.
            await schedule.TrackStaleAsync(key, tenant, cancellationToken);
            return true;
        }

        var idleSince = key.LastUsedAt ?? key.CreatedAt;
        // Recorded once per idle period, also when a shortened policy left an older entry for the same key.
        if (await audit.AddAsync(Event(tenantId, key, AuditEventTypes.KeyStale, LifecycleSchedule.StaleAt(key, tenant)) with
        {
            Detail = $"unused since {idleSince:O}",
            OnceKey = $"stale|{id.Value}|{idleSince.UtcTicks}",
        }, cancellationToken))
        {
            report.FlaggedStale++;
        }

        if (tenant.AutoRevokeStale)
        {
            var revoked = await revoker.RevokeAsync(tenantId, id, Actor, AuditEventTypes.KeyAutoRevoked, $"unused for {tenant.StaleAfterDays} days", cancellationToken);
            if (revoked?.RevokedBy == Actor)
            {
                report.AutoRevoked++;
            }
        }

        return true;
    }

    /// <summary>The tenant shortened its stale-after days: every active key's staleness entry is written at its new date.</summary>
    private async Task ReindexStaleAsync(TenantId tenantId, DateTimeOffset now, LifecycleReport report, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null)
        {
            return;
        }

        string? token = null;
        do
        {
            var page = await keys.ListAsync(tenantId, null, ApiKeyStatus.Active, now, 100, token, cancellationToken);
            await Task.WhenAll(page.Items.Select(key => schedule.TrackStaleAsync(key, tenant, cancellationToken)));
            report.KeysReindexed += page.Items.Count;
            ContinuationToken.TryDecode(page.ContinuationToken, out token);
        }
        while (token is not null);
    }

    private async Task<bool> PurgeAsync(TenantId tenant, ApiKeyId id, DateTimeOffset now, LifecycleReport report, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(tenant, id, cancellationToken);
        if (key is null)
        {
            return true;
        }

        var endedAt = key.Status == ApiKeyStatus.Revoked ? key.RevokedAt ?? now : key.ExpiresAt;
        if (key.EffectiveStatus(now) == ApiKeyStatus.Active || endedAt + schedule.Retention > now)
        {
            return true;
        }

        if (await keys.DeleteAsync(key, cancellationToken) == WriteOutcome.Done)
        {
            revoker.Forget(key);
            await limiter.ForgetAsync(new RateLimitKey(tenant, id.Value), cancellationToken);
            report.Purged++;
        }

        return true;
    }

    private static AuditEvent Event(TenantId tenant, ApiKey key, string type, DateTimeOffset at) => new()
    {
        TenantId = tenant,
        At = at,
        Type = type,
        Actor = Actor,
        CredentialId = key.Id.Value,
        Hint = key.Hint,
    };
}
