using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// The lifecycle job: marks keys past expiry expired, records "expiring soon" once per key, flags stale keys and
/// revokes them where the tenant says so, deletes ended keys after the retention period, does the same for apps and
/// their secrets (<see cref="AppLifecycleSteps"/>), deletes audit events past the audit retention period, forgets
/// revoked token ids once their tokens have expired, and rotates the JWT signing key when it is due.
/// </summary>
/// <remarks>
/// It reads only the index partitions of the days since its last complete run, up to now (see
/// <see cref="DueStore"/>), so its cost follows the number of credentials due. The entries of a day are taken a
/// hundred at a time: processed <see cref="LifecycleOptions.MaxParallelism"/> at once (each entry its own credential,
/// each change its own conditional write), then deleted from the index in one transaction. It is idempotent and safe
/// to run twice at once: every change is conditional on the key's ETag and re-checked against the key as stored,
/// events that must be recorded once have deterministic row keys, and it never makes a key active again, so a
/// revocation racing it is never undone. An entry leaves the index only after its credential was processed; a failed
/// item stays in the index for the next run; failures are collected and reported once at the end.
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
    WebhookStore webhooks,
    WebhookDispatcher webhookDispatcher,
    ServerlessAuthTelemetry telemetry,
    TimeProvider time,
    IOptions<ServerlessAuthOptions> options,
    ILogger<LifecycleJob> logger)
{
    public const string Actor = "lifecycle";

    private readonly int _parallelism = options.Value.Lifecycle.MaxParallelism;

    public async Task<LifecycleReport> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var report = new LifecycleReport { StartedAt = now };
        var today = DueStore.Day(now);
        var tallies = new Tallies();
        foreach (var kind in Enum.GetValues<DueKind>())
        {
            var day = await due.GetCursorAsync(kind, cancellationToken) ?? today;
            for (var date = DueStore.ParseDay(day); string.CompareOrdinal(DueStore.Day(date), today) <= 0; date = date.AddDays(1))
            {
                var failuresBefore = report.Failures.Count;
                var entries = await due.ListDueAsync(kind, DueStore.Day(date), now, cancellationToken);
                report.EntriesRead += entries.Count;
                foreach (var chunk in entries.Chunk(StoreWrites.MaxTransactionActions))
                {
                    var outcomes = kind == DueKind.Expire
                        ? await ExpireAsync(chunk, now, cancellationToken)
                        : await InParallelAsync(chunk, (entry, _) => ProcessAsync(entry, now, tallies, cancellationToken), cancellationToken);
                    var processed = Tally(chunk, outcomes, report);
                    await RunStepAsync("index", report, () => due.DeleteAllAsync(processed, cancellationToken), cancellationToken);
                }

                // A past day whose entries were all processed is never read again.
                if (DueStore.Day(date) != today && report.Failures.Count == failuresBefore)
                {
                    await due.AdvanceCursorAsync(kind, DueStore.Day(date.AddDays(1)), cancellationToken);
                }
            }
        }

        report.AuditEventsPurged = tallies.AuditEventsPurged;
        report.WebhookDeliveriesPurged = tallies.WebhookDeliveriesPurged;
        report.KeysReindexed = tallies.KeysReindexed;

        // The events of this run went to the dispatcher as they were written; this catches any it has not moved yet.
        await RunStepAsync("webhooks", report, async () => report.WebhookMessagesQueued = await webhookDispatcher.SweepAsync(cancellationToken), cancellationToken);
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

    /// <summary>Adds a chunk's outcomes to the report; answers the entries that were processed (and may leave the index).</summary>
    private static List<DueEntry> Tally(DueEntry[] chunk, Outcome[] outcomes, LifecycleReport report)
    {
        var processed = new List<DueEntry>(chunk.Length);
        for (var i = 0; i < chunk.Length; i++)
        {
            var (changes, failure) = outcomes[i];
            if (failure is not null)
            {
                report.Failures.Add(failure);
                continue;
            }

            processed.Add(chunk[i]);
            report.Expired += changes.HasFlag(LifecycleChanges.Expired) ? 1 : 0;
            report.ExpiringSoon += changes.HasFlag(LifecycleChanges.ExpiringSoon) ? 1 : 0;
            report.FlaggedStale += changes.HasFlag(LifecycleChanges.FlaggedStale) ? 1 : 0;
            report.AutoRevoked += changes.HasFlag(LifecycleChanges.AutoRevoked) ? 1 : 0;
            report.Purged += changes.HasFlag(LifecycleChanges.Purged) ? 1 : 0;
            report.AppsExpired += changes.HasFlag(LifecycleChanges.AppExpired) ? 1 : 0;
            report.AppSecretsExpired += changes.HasFlag(LifecycleChanges.AppSecretExpired) ? 1 : 0;
        }

        return processed;
    }

    /// <summary>
    /// Runs <paramref name="process"/> (given each entry and its index in the chunk) at most
    /// <see cref="LifecycleOptions.MaxParallelism"/> at once. A dependency fault fails that entry only.
    /// </summary>
    private async Task<Outcome[]> InParallelAsync(DueEntry[] chunk, Func<DueEntry, int, Task<LifecycleChanges>> process, CancellationToken cancellationToken)
    {
        var outcomes = new Outcome[chunk.Length];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, chunk.Length), parallel, async (i, _) =>
        {
            try
            {
                outcomes[i] = new Outcome(await process(chunk[i], i));
            }
            catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
            {
                outcomes[i] = Failed(chunk[i], e);
            }
        });
        return outcomes;
    }

    private Outcome Failed(DueEntry entry, Exception e)
    {
        Log.LifecycleItemFailed(logger, entry.Kind.ToString(), entry.TenantId.Value, entry.CredentialId, e);
        return new Outcome(LifecycleChanges.None, new LifecycleFailure
        {
            Step = entry.Kind.ToString(),
            TenantId = entry.TenantId.Value,
            CredentialId = entry.CredentialId,
            Error = e is Azure.RequestFailedException rfe ? $"{e.GetType().Name} {rfe.Status}" : e.GetType().Name,
        });
    }

    private async Task<LifecycleChanges> ProcessAsync(DueEntry entry, DateTimeOffset now, Tallies tallies, CancellationToken cancellationToken)
    {
        switch (entry.Kind)
        {
            case DueKind.AuditPurge:
                Interlocked.Add(ref tallies.AuditEventsPurged, await audit.PurgeBeforeAsync(entry.TenantId, now - auditRetention.Retention, cancellationToken));
                Interlocked.Add(ref tallies.WebhookDeliveriesPurged, await webhooks.PurgeDeliveriesBeforeAsync(entry.TenantId, now - auditRetention.Retention, cancellationToken));
                return LifecycleChanges.None;
            case DueKind.StalePolicy:
                Interlocked.Add(ref tallies.KeysReindexed, await ReindexStaleAsync(entry.TenantId, now, cancellationToken));
                return LifecycleChanges.None;
        }

        if (!ApiKeyId.TryParse(entry.CredentialId, out var keyId))
        {
            // An app or one of its secrets; an entry naming nothing we know is simply dropped.
            return await ProcessAppAsync(entry, now, cancellationToken);
        }

        return entry.Kind switch
        {
            DueKind.Expire => await ExpireOneAsync(entry.TenantId, keyId, now, cancellationToken),
            DueKind.ExpiringSoon => await NotifyExpiringSoonAsync(entry, keyId, now, cancellationToken),
            DueKind.Stale => await CheckStaleAsync(entry.TenantId, keyId, now, cancellationToken),
            DueKind.Purge => await PurgeAsync(entry.TenantId, keyId, now, cancellationToken),
            _ => LifecycleChanges.None,
        };
    }

    private async Task<LifecycleChanges> ProcessAppAsync(DueEntry entry, DateTimeOffset now, CancellationToken cancellationToken) =>
        AppCredential.TryParse(entry.CredentialId, out var appId, out var secretId)
            ? await appSteps.ProcessAsync(entry, appId, secretId, now, cancellationToken)
            : LifecycleChanges.None;

    /// <summary>
    /// The tenant shortened its stale-after days: every active key's staleness entry is written at its new date.
    /// Answers how many keys were re-indexed.
    /// </summary>
    private async Task<int> ReindexStaleAsync(TenantId tenantId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null)
        {
            return 0;
        }

        var reindexed = 0;
        string? token = null;
        do
        {
            var page = await keys.ListAsync(tenantId, null, ApiKeyStatus.Active, now, StoreWrites.MaxTransactionActions, token, cancellationToken);
            await Task.WhenAll(page.Items.Select(key => schedule.TrackStaleAsync(key, tenant, cancellationToken)));
            reindexed += page.Items.Count;
            ContinuationToken.TryDecode(page.ContinuationToken, out token);
        }
        while (token is not null);

        return reindexed;
    }

    /// <summary>
    /// Expires the keys of a chunk, each step as wide as is safe: the keys are read in parallel; the purge entries of
    /// those past expiry are written before any of them changes (the index comes first), one transaction per purge
    /// day; then each is marked expired, conditional on the ETag it was read with. A key changed in between goes the
    /// one-by-one way (<see cref="ExpireOneAsync"/>: re-read, re-indexed, retried).
    /// </summary>
    private async Task<Outcome[]> ExpireAsync(DueEntry[] chunk, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var read = new ApiKey?[chunk.Length];
        var outcomes = await InParallelAsync(chunk, async (entry, i) =>
        {
            read[i] = ApiKeyId.TryParse(entry.CredentialId, out var id) ? await keys.GetAsync(entry.TenantId, id, cancellationToken) : null;
            return LifecycleChanges.None;
        }, cancellationToken);

        var ending = Enumerable.Range(0, chunk.Length).Where(i => outcomes[i].Failure is null && IsPastExpiry(read[i], now)).ToHashSet();
        try
        {
            await schedule.TrackEndsAsync(ending.Select(i => read[i]!), cancellationToken);
        }
        catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, cancellationToken))
        {
            foreach (var i in ending)
            {
                outcomes[i] = Failed(chunk[i], e);
            }

            return outcomes;
        }

        var marked = await InParallelAsync(chunk, async (entry, i) => !ending.Contains(i)
            ? ApiKeyId.TryParse(entry.CredentialId, out _) ? LifecycleChanges.None : await ProcessAppAsync(entry, now, cancellationToken)
            : await TryMarkExpiredAsync(read[i]!, cancellationToken) ?? await ExpireOneAsync(entry.TenantId, read[i]!.Id, now, cancellationToken),
            cancellationToken);
        return [.. outcomes.Select((outcome, i) => outcome.Failure is null ? marked[i] : outcome)];
    }

    private async Task<LifecycleChanges> ExpireOneAsync(TenantId tenant, ApiKeyId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var key = await keys.GetAsync(tenant, id, cancellationToken);
            if (!IsPastExpiry(key, now))
            {
                return LifecycleChanges.None;
            }

            await schedule.TrackEndAsync(tenant, id.Value, key!.ExpiresAt, cancellationToken);
            if (await TryMarkExpiredAsync(key, cancellationToken) is { } changes)
            {
                return changes;
            }
        }

        throw new ServiceUnavailableException($"Key {id.Value} kept changing while being expired.");
    }

    /// <summary>
    /// False for a key gone, revoked, expired already, or (after a rotation shortened it) handled by an earlier entry.
    /// </summary>
    private static bool IsPastExpiry(ApiKey? key, DateTimeOffset now) => key is { Status: ApiKeyStatus.Active } && key.ExpiresAt <= now;

    /// <summary>Marks a key expired if it is unchanged since it was read; null if it changed.</summary>
    private async Task<LifecycleChanges?> TryMarkExpiredAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var expired = key with { Status = ApiKeyStatus.Expired };
        switch (await keys.ReplaceAsync(expired, Event(key.TenantId, key, AuditEventTypes.KeyExpired, key.ExpiresAt), cancellationToken))
        {
            case WriteOutcome.Done:
                revoker.Forget(expired);
                return LifecycleChanges.Expired;
            case WriteOutcome.NotFound:
                return LifecycleChanges.None;
            default:
                return null;
        }
    }

    private async Task<LifecycleChanges> NotifyExpiringSoonAsync(DueEntry entry, ApiKeyId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(entry.TenantId, id, cancellationToken);
        if (key is null || key.EffectiveStatus(now) != ApiKeyStatus.Active || key.RotatedTo is not null)
        {
            return LifecycleChanges.None;
        }

        // Deterministic row: a second run (or a retry after a crash) writes the same event, which exists already.
        var recorded = await audit.AddAsync(Event(entry.TenantId, key, AuditEventTypes.KeyExpiringSoon, entry.DueAt) with
        {
            Detail = $"expires at {key.ExpiresAt:O}",
            OnceKey = "soon|" + id.Value,
        }, cancellationToken);
        return recorded ? LifecycleChanges.ExpiringSoon : LifecycleChanges.None;
    }

    private async Task<LifecycleChanges> CheckStaleAsync(TenantId tenantId, ApiKeyId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(tenantId, id, cancellationToken);
        var tenant = key is null ? null : await tenants.GetAsync(tenantId, cancellationToken);
        if (key is null || tenant is null || key.EffectiveStatus(now) != ApiKeyStatus.Active)
        {
            return LifecycleChanges.None;
        }

        if (!key.IsStale(now, tenant.StaleAfterDays))
        {
            // Used since this entry was written, or the tenant lengthened its policy: look again when it may be stale.
            // The new entry falls after now, so it differs from the one being deleted.
            await schedule.TrackStaleAsync(key, tenant, cancellationToken);
            return LifecycleChanges.None;
        }

        // Recorded once per idle period, also when a shortened policy left an older entry for the same key.
        var idleSince = key.LastUsedAt ?? key.CreatedAt;
        var flagged = await audit.AddAsync(Event(tenantId, key, AuditEventTypes.KeyStale, LifecycleSchedule.StaleAt(key, tenant)) with
        {
            Detail = $"unused since {idleSince:O}",
            OnceKey = $"stale|{id.Value}|{idleSince.UtcTicks}",
        }, cancellationToken)
            ? LifecycleChanges.FlaggedStale
            : LifecycleChanges.None;

        if (tenant.AutoRevokeStale)
        {
            var revoked = await revoker.RevokeAsync(tenantId, id, Actor, AuditEventTypes.KeyAutoRevoked, $"unused for {tenant.StaleAfterDays} days", cancellationToken);
            if (revoked?.RevokedBy == Actor)
            {
                return flagged | LifecycleChanges.AutoRevoked;
            }
        }

        return flagged;
    }

    private async Task<LifecycleChanges> PurgeAsync(TenantId tenant, ApiKeyId id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(tenant, id, cancellationToken);
        if (key is null)
        {
            return LifecycleChanges.None;
        }

        var endedAt = key.Status == ApiKeyStatus.Revoked ? key.RevokedAt ?? now : key.ExpiresAt;
        if (key.EffectiveStatus(now) == ApiKeyStatus.Active || endedAt + schedule.Retention > now)
        {
            return LifecycleChanges.None;
        }

        // Not found: gone already (another run, or this delete's own retry after its answer was lost); its rate-limit
        // row is forgotten all the same.
        var outcome = await keys.DeleteAsync(key, cancellationToken);
        if (outcome == WriteOutcome.Conflict)
        {
            return LifecycleChanges.None;
        }

        revoker.Forget(key);

        // The budget belongs to the rotation chain: it is forgotten with the chain's last key, never under its successor.
        if (key.RotatedTo is null)
        {
            await limiter.ForgetAsync(new RateLimitKey(tenant, key.BudgetId), cancellationToken);
        }

        return outcome == WriteOutcome.Done ? LifecycleChanges.Purged : LifecycleChanges.None;
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

    /// <summary>What processing one index entry did; an entry with a failure stays in the index.</summary>
    private readonly record struct Outcome(LifecycleChanges Changes, LifecycleFailure? Failure = null);

    /// <summary>The counts of a run that are not one per entry, added to from parallel workers.</summary>
    private sealed class Tallies
    {
        public int AuditEventsPurged;
        public int WebhookDeliveriesPurged;
        public int KeysReindexed;
    }
}
