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

    // One write per tenant and day, shared by concurrent callers (the lifecycle job writes events in parallel).
    private readonly ConcurrentDictionary<(TenantId Tenant, string Day), Lazy<Task>> _tracked = new();
    private readonly Lock _cursorGate = new();
    private Task? _cursor;
    private string? _today;

    public TimeSpan Retention => TimeSpan.FromDays(options.Value.Lifecycle.AuditRetentionDays);

    public async Task TrackAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var day = DueStore.Day(time.GetUtcNow());
        if (_today != day)
        {
            // A new day: yesterday's memo is of no use any more.
            _today = day;
            foreach (var old in _tracked.Keys.Where(k => k.Day != day))
            {
                _tracked.TryRemove(old, out _);
            }
        }

        var key = (tenant, day);
        // GetOrAdd may build two Lazy values when callers race, but stores one: only that one's write runs.
        var put = _tracked.GetOrAdd(key, k => new Lazy<Task>(() => PutAsync(k.Tenant, k.Day)));
        try
        {
            await put.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Failed: the next event of this tenant tries again (and this one fails with it, before being written).
            _tracked.TryRemove(new KeyValuePair<(TenantId, string), Lazy<Task>>(key, put));
            throw;
        }
    }

    private async Task PutAsync(TenantId tenant, string day)
    {
        Task cursor;
        lock (_cursorGate)
        {
            cursor = _cursor is { IsCompletedSuccessfully: true } or { IsCompleted: false }
                ? _cursor
                : _cursor = due.EnsureCursorAsync(DueKind.AuditPurge, day, CancellationToken.None);
        }

        await cursor;
        var dueAt = DueStore.ParseDay(day).AddDays(1) + Retention;
        await due.PutAllAsync([new DueEntry(DueKind.AuditPurge, dueAt, tenant, CredentialId)], CancellationToken.None);
    }
}
