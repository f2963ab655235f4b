using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Lifecycle;

/// <summary>
/// Keeps the lifecycle index current as credentials change, so that the job finds what is due without scanning:
/// an issued key gets its expiry, "expiring soon" and staleness entries; a key used on a new day moves its staleness
/// entry; a revoked or expired key gets its purge entry.
/// </summary>
/// <remarks>
/// Entries are written before the change they index (an entry whose credential does not exist is simply deleted
/// by the job), so a failure between the two never leaves a credential the job cannot find.
/// </remarks>
internal sealed class LifecycleSchedule(DueStore due, TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    private readonly ConcurrentDictionary<DueKind, bool> _cursorReady = new();

    public TimeSpan Retention => TimeSpan.FromDays(options.Value.Lifecycle.RetentionDays);

    public async Task TrackAsync(ApiKey key, Tenant tenant, CancellationToken cancellationToken)
    {
        var entries = new List<DueEntry>
        {
            new(DueKind.Expire, key.ExpiresAt, key.TenantId, key.Id.Value),
            new(DueKind.Stale, StaleAt(key, tenant), key.TenantId, key.Id.Value),
        };
        if (tenant.ExpiringSoonDays > 0)
        {
            // Already within the lead time: due now (PutAllAsync moves past dates to now).
            entries.Add(new(DueKind.ExpiringSoon, key.ExpiresAt.AddDays(-tenant.ExpiringSoonDays), key.TenantId, key.Id.Value));
        }

        await PutAllAsync(entries, cancellationToken);
    }

    /// <summary>
    /// A key whose expiry was brought forward (the old key of a rotation, which ends with its overlap): an expiry entry
    /// at the new date, so that the job marks it expired, and then deletes it, counting from that date rather than from
    /// the expiry it was issued with. The entry at the old date stays and finds the key ended already.
    /// </summary>
    public Task TrackExpiryAsync(ApiKey key, CancellationToken cancellationToken) =>
        PutAllAsync([new DueEntry(DueKind.Expire, key.ExpiresAt, key.TenantId, key.Id.Value)], cancellationToken);

    /// <summary>A key used on a later day than before: its staleness entry moves to the new date.</summary>
    public async Task TrackUseAsync(ApiKey before, DateTimeOffset usedAt, Tenant tenant, CancellationToken cancellationToken)
    {
        var previous = new DueEntry(DueKind.Stale, StaleAt(before, tenant), before.TenantId, before.Id.Value);
        var next = previous with { DueAt = usedAt.AddDays(tenant.StaleAfterDays) };
        if (DueStore.Day(previous.DueAt) == DueStore.Day(next.DueAt) && previous.DueAt >= next.DueAt)
        {
            return;
        }

        await PutAllAsync([next], cancellationToken);
        await due.DeleteAsync(previous, cancellationToken);
    }

    /// <summary>
    /// (Re)writes a key's staleness entry at the date it becomes stale under the tenant's current policy (now, if
    /// that date has passed: see <see cref="PutAllAsync"/>).
    /// </summary>
    public Task TrackStaleAsync(ApiKey key, Tenant tenant, CancellationToken cancellationToken) =>
        PutAllAsync([new DueEntry(DueKind.Stale, StaleAt(key, tenant), key.TenantId, key.Id.Value)], cancellationToken);

    /// <summary>
    /// A tenant shortened <c>staleAfterDays</c>: the next run re-indexes its active keys at their new dates (the
    /// entries at the old, later dates then find the key flagged already). Lengthening needs nothing: an entry that
    /// comes due early finds the key not stale and moves it.
    /// </summary>
    public Task TrackStalePolicyAsync(TenantId tenant, CancellationToken cancellationToken) =>
        PutAllAsync([new DueEntry(DueKind.StalePolicy, time.GetUtcNow(), tenant, StalePolicyCredential)], cancellationToken);

    public const string StalePolicyCredential = "policy";

    /// <summary>A key that ended (revoked or expired) is deleted after the retention period.</summary>
    public Task TrackEndAsync(TenantId tenant, string credentialId, DateTimeOffset endedAt, CancellationToken cancellationToken) =>
        PutAllAsync([PurgeEntry(tenant, credentialId, endedAt)], cancellationToken);

    /// <summary>
    /// <see cref="TrackEndAsync"/> for several keys at once (the lifecycle job, before it expires them): the entries
    /// of one purge day go in one transaction.
    /// </summary>
    public Task TrackEndsAsync(IEnumerable<ApiKey> ending, CancellationToken cancellationToken) =>
        PutAllAsync([.. ending.Select(k => PurgeEntry(k.TenantId, k.Id.Value, k.ExpiresAt))], cancellationToken);

    /// <summary>
    /// A new app: its own expiry (when it has one) and, per secret, the expiry and "expiring soon" entries. Secrets
    /// are indexed as <c>{appId}:{secretId}</c> (see <see cref="AppCredential"/>).
    /// </summary>
    public async Task TrackAppAsync(App app, Tenant tenant, CancellationToken cancellationToken)
    {
        var entries = app.Secrets.SelectMany(s => SecretEntries(app, s, tenant)).ToList();
        if (app.ExpiresAt is { } expiresAt)
        {
            entries.Add(new(DueKind.Expire, expiresAt, app.TenantId, AppCredential.Of(app.Id)));
        }

        await PutAllAsync(entries, cancellationToken);
    }

    /// <summary>A secret added to an app: its expiry and "expiring soon" entries.</summary>
    public Task TrackAppSecretAsync(App app, AppSecret secret, Tenant tenant, CancellationToken cancellationToken) =>
        PutAllAsync([.. SecretEntries(app, secret, tenant)], cancellationToken);

    public static DateTimeOffset StaleAt(ApiKey key, Tenant tenant) => (key.LastUsedAt ?? key.CreatedAt).AddDays(tenant.StaleAfterDays);

    private static IEnumerable<DueEntry> SecretEntries(App app, AppSecret secret, Tenant tenant)
    {
        var id = AppCredential.Of(app.Id, secret.Id);
        yield return new(DueKind.Expire, secret.ExpiresAt, app.TenantId, id);
        if (tenant.ExpiringSoonDays > 0)
        {
            yield return new(DueKind.ExpiringSoon, secret.ExpiresAt.AddDays(-tenant.ExpiringSoonDays), app.TenantId, id);
        }
    }

    private DueEntry PurgeEntry(TenantId tenant, string credentialId, DateTimeOffset endedAt) => new(DueKind.Purge, endedAt + Retention, tenant, credentialId);

    private async Task PutAllAsync(List<DueEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var kind in entries.Select(e => e.Kind).Distinct())
        {
            if (!_cursorReady.ContainsKey(kind))
            {
                await due.EnsureCursorAsync(kind, DueStore.Day(time.GetUtcNow()), cancellationToken);
                _cursorReady[kind] = true;
            }
        }

        // Never into a day the job may have closed already (its cursor is at most today): an entry due in the past is
        // due now. A purge entry counted from an end long past would otherwise sit where no run reads again.
        var now = time.GetUtcNow();
        if (entries.Count > 0)
        {
            await due.PutAllAsync([.. entries.Select(e => e.DueAt < now ? e with { DueAt = now } : e)], cancellationToken);
        }
    }
}
