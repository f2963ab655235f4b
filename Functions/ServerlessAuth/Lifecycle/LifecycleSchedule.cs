using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
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
        var now = time.GetUtcNow();
        var soon = key.ExpiresAt.AddDays(-tenant.ExpiringSoonDays);
        var entries = new List<DueEntry>
        {
            new(DueKind.Expire, key.ExpiresAt, key.TenantId, key.Id.Value),
            new(DueKind.Stale, StaleAt(key, tenant), key.TenantId, key.Id.Value),
        };
        if (tenant.ExpiringSoonDays > 0)
        {
            entries.Add(new(DueKind.ExpiringSoon, soon < now ? now : soon, key.TenantId, key.Id.Value));
        }

        await PutAllAsync(entries, cancellationToken);
    }

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

    /// <summary>(Re)writes a key's staleness entry at the date it becomes stale under the tenant's current policy.</summary>
    public Task TrackStaleAsync(ApiKey key, Tenant tenant, CancellationToken cancellationToken) =>
        PutAllAsync([new DueEntry(DueKind.Stale, StaleAt(key, tenant), key.TenantId, key.Id.Value)], cancellationToken);

    /// <summary>A key that ended (revoked or expired) is deleted after the retention period.</summary>
    public Task TrackEndAsync(TenantId tenant, string credentialId, DateTimeOffset endedAt, CancellationToken cancellationToken) =>
        PutAllAsync([PurgeEntry(tenant, credentialId, endedAt)], cancellationToken);

    /// <summary>
    /// <see cref="TrackEndAsync"/> for several keys at once (the lifecycle job, before it expires them): the entries
    /// of one purge day go in one transaction.
    /// </summary>
    public Task TrackEndsAsync(IEnumerable<ApiKey> ending, CancellationToken cancellationToken) =>
        PutAllAsync([.. ending.Select(k => PurgeEntry(k.TenantId, k.Id.Value, k.ExpiresAt))], cancellationToken);

    public static DateTimeOffset StaleAt(ApiKey key, Tenant tenant) => (key.LastUsedAt ?? key.CreatedAt).AddDays(tenant.StaleAfterDays);

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

        if (entries.Count > 0)
        {
            await due.PutAllAsync(entries, cancellationToken);
        }
    }
}
