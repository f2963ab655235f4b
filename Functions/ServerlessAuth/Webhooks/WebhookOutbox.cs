using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using ServerlessAuth.Audit;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// The write side of webhooks. When an audit event of a webhook type is recorded for a tenant with an enabled endpoint
/// subscribed to it, <see cref="PrepareAsync"/> answers the outbox row to add to the same entity-group transaction:
/// the change, its audit event and its outbox row are written together or not at all. A tenant without webhooks pays
/// one cached read of its endpoints (kept <c>Cache:DirectoryTtl</c>) and nothing else.
/// </summary>
/// <remarks>
/// Before the transaction, the tenant is put in the <c>pending</c> index the dispatcher reads, so no outbox row is
/// ever unknown to it: an entry without outbox rows costs the dispatcher one empty query and is then deleted. The
/// dispatcher deletes an entry only when no writer touched it for <see cref="PendingGrace"/>, so this instance skips
/// the index write when it wrote it less than half that time ago: a transaction prepared now commits long before the
/// entry can go.
/// </remarks>
internal sealed class WebhookOutbox(WebhookStore store, ReadThroughCache cache, WebhookDispatcher dispatcher, TimeProvider time, IOptions<ServerlessAuthOptions> options)
{
    /// <summary>How long a pending entry is kept after the last writer touched it.</summary>
    public static readonly TimeSpan PendingGrace = TimeSpan.FromMinutes(5);

    // Per tenant, the last index write of this instance: when it started, and the write itself, which concurrent writers
    // of the same tenant share (a burst of 100 events of one tenant costs one write, not one each).
    private readonly ConcurrentDictionary<TenantId, (DateTimeOffset At, Task Write)> _pendingWritten = new();
    private readonly TimeSpan _ttl = options.Value.Cache.EffectiveDirectoryTtl;

    /// <summary>The outbox row for <paramref name="e"/>, or null when no endpoint of its tenant takes its type.</summary>
    public async ValueTask<TableTransactionAction?> PrepareAsync(AuditEvent e, CancellationToken cancellationToken)
    {
        if (!WebhookEventTypes.FromAudit.Contains(e.Type))
        {
            return null;
        }

        var endpoints = await EndpointsAsync(e.TenantId, cancellationToken);
        if (endpoints is null || !endpoints.Any(w => w.Enabled && w.Subscribes(e.Type)))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var written = _pendingWritten.AddOrUpdate(
            e.TenantId,
            tenant => (now, store.PutPendingAsync(tenant, now, CancellationToken.None)),
            (tenant, last) => now - last.At >= PendingGrace / 2 || now < last.At || last.Write.IsFaulted || last.Write.IsCanceled
                ? (now, store.PutPendingAsync(tenant, now, CancellationToken.None))
                : last);
        await written.Write.WaitAsync(cancellationToken);

        var id = WebhookEventId.New(e.At);
        return WebhookStore.OutboxAction(e.TenantId, id, e.Type, WebhookPayload.Serialize(id, e), now);
    }

    /// <summary>After the transaction that held an outbox row committed: the dispatcher moves it to the queue, in the background.</summary>
    public void Committed(TenantId tenant) => dispatcher.Kick(tenant);

    /// <summary>The tenant's endpoints as cached for the write path.</summary>
    public ValueTask<WebhookEndpoint[]?> EndpointsAsync(TenantId tenant, CancellationToken cancellationToken) =>
        cache.GetAsync(CacheKey(tenant), _ttl, (store, tenant), static async (s, ct) => (await s.store.ListEndpointsAsync(s.tenant, ct)).ToArray(), cancellationToken);

    /// <summary>After a local change of the tenant's endpoints: this instance sees it at once, others within the TTL.</summary>
    public void Forget(TenantId tenant) => cache.Invalidate(CacheKey(tenant));

    private static string CacheKey(TenantId tenant) => "webhooks|" + tenant.Value;
}
