using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Storage;

/// <summary>
/// Keeps the lifecycle index aware of which tenants have audit events to purge, so that the job finds them without
/// listing tenants: the first event a tenant gets on a day (per instance) puts one entry <c>AuditPurge</c> due at the
/// end of that day plus <c>Lifecycle:AuditRetentionDays</c>. Every event written that day is older than the
/// retention period by then, whatever its own <c>at</c> (events are never dated after they are written).
/// </summary>
/// <remarks>
/// The entry is written before the event (a failure between the two leaves an entry with nothing to purge). All
/// instances write the same row for a tenant and day, so the index holds at most one entry per tenant per day of
/// activity, and the memo of what this instance has written costs one extra write per tenant per day.
/// </remarks>
internal sealed class AuditRetention(DueStore due, TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    public const string CredentialId = "audit";

    private readonly ConcurrentDictionary<TenantId, string> _trackedDay = new();
    private volatile string? _cursorDay;

    public TimeSpan Retention => TimeSpan.FromDays(options.Value.Lifecycle.AuditRetentionDays);

    public async Task TrackAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var day = DueStore.Day(time.GetUtcNow());
        if (_trackedDay.TryGetValue(tenant, out var tracked) && tracked == day)
        {
            return;
        }

        if (_cursorDay is null)
        {
            await due.EnsureCursorAsync(DueKind.AuditPurge, day, cancellationToken);
            _cursorDay = day;
        }

        var dueAt = DueStore.ParseDay(day).AddDays(1) + Retention;
        await due.PutAsync(new DueEntry(DueKind.AuditPurge, dueAt, tenant, CredentialId), cancellationToken);
        _trackedDay[tenant] = day;
    }
}
