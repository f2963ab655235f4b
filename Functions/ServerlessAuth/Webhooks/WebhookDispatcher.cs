using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// Moves outbox rows to the delivery queue: one message per event and endpoint (enabled, subscribed to the type, and
/// existing when the event was written), then deletes the rows. It runs in the background after each change that
/// wrote an outbox row (<see cref="Kick"/>: never on the request's time), and as a safety net over every pending
/// tenant (<see cref="SweepAsync"/>: at the end of each lifecycle run, and every minute in the standalone host's queue
/// worker), which finds what a crash between a commit and its kick left behind.
/// </summary>
/// <remarks>
/// At least once: messages are queued before the rows are deleted, so a failure in between queues them again on the
/// next pass (receivers drop the duplicate by <c>webhook-id</c>). One dispatcher per tenant at a time: in process by a
/// lock, across instances by a lease on the tenant's pending entry (ETag-guarded).
/// </remarks>
internal sealed class WebhookDispatcher(WebhookStore store, WebhookQueue queue, TimeProvider time, ILogger<WebhookDispatcher> logger)
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(1);
    private const int MaxParallelSends = 16;

    private readonly ConcurrentDictionary<TenantId, byte> _kicked = new();
    private readonly ConcurrentDictionary<TenantId, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<TenantId, byte> _again = new();
    private readonly Lock _drainGate = new();
    private Task _drain = Task.CompletedTask;

    /// <summary>The drain running now (tests and the benchmark wait for it).</summary>
    internal Task Draining
    {
        get
        {
            lock (_drainGate)
            {
                return _drain;
            }
        }
    }

    /// <summary>Dispatches the tenant's outbox soon, in the background; kicks that come while it runs are coalesced.</summary>
    public void Kick(TenantId tenant)
    {
        _kicked[tenant] = 0;
        lock (_drainGate)
        {
            if (_drain.IsCompleted)
            {
                _drain = Task.Run(DrainAsync);
            }
        }
    }

    /// <summary>Dispatches every tenant in the pending index; answers how many messages it queued.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var queued = 0;
        foreach (var entry in await store.ListPendingAsync(cancellationToken))
        {
            queued += await DispatchAsync(entry.TenantId, entry, cancellationToken);
        }

        return queued;
    }

    /// <summary>Dispatches one tenant's outbox until it is empty; answers how many messages it queued.</summary>
    public Task<int> DispatchAsync(TenantId tenant, CancellationToken cancellationToken) => DispatchAsync(tenant, null, cancellationToken);

    private async Task DrainAsync()
    {
        while (true)
        {
            TenantId tenant;
            lock (_drainGate)
            {
                if (_kicked.IsEmpty)
                {
                    return;
                }

                tenant = _kicked.Keys.First();
                _kicked.TryRemove(tenant, out _);
            }

            try
            {
                await DispatchAsync(tenant, null, CancellationToken.None);
            }
            catch (Exception e) when (ServiceUnavailableException.IsDependencyFault(e, CancellationToken.None))
            {
                // The rows stay in the outbox, and the tenant in the pending index, for the next sweep.
                Log.WebhookDispatchFailed(logger, tenant.Value, e);
            }
        }
    }

    private async Task<int> DispatchAsync(TenantId tenant, PendingTenant? entry, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(tenant, _ => new SemaphoreSlim(1, 1));
        var queued = 0;
        do
        {
            // Flagged before trying the lock: a dispatch already running in this process sees the flag when it ends
            // and reads the outbox once more, so a row committed while it ran is not left for the next sweep.
            _again[tenant] = 0;
            if (!await gate.WaitAsync(0, cancellationToken))
            {
                return queued;
            }

            try
            {
                _again.TryRemove(tenant, out _);
                queued += await DispatchLockedAsync(tenant, entry, cancellationToken);
                entry = null;
            }
            finally
            {
                gate.Release();
            }
        }
        while (_again.ContainsKey(tenant));

        return queued;
    }

    private async Task<int> DispatchLockedAsync(TenantId tenant, PendingTenant? entry, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        entry ??= await store.GetPendingAsync(tenant, cancellationToken);
        if (entry is { LeasedUntil: { } leased } && leased > now)
        {
            return 0;
        }

        var leasedEntry = entry is null ? null : await store.LeasePendingAsync(entry, now + LeaseTime, cancellationToken);
        if (entry is not null && leasedEntry is null)
        {
            // Another instance leased it first, or a writer touched it (and kicked its own dispatcher).
            return 0;
        }

        var queued = 0;
        IReadOnlyList<WebhookEndpoint>? endpoints = null;
        while (true)
        {
            var rows = await store.ListOutboxAsync(tenant, cancellationToken);
            if (rows.Count == 0)
            {
                break;
            }

            endpoints ??= await store.ListEndpointsAsync(tenant, cancellationToken);
            var messages = rows.SelectMany(row => endpoints
                .Where(w => w.Enabled && w.Subscribes(row.Type) && w.CreatedAt <= row.WrittenAt)
                .Select(w => new WebhookMessage { TenantId = tenant.Value, WebhookId = w.Id.Value, EventId = row.EventId.Value, EventType = row.Type, Payload = row.Payload }))
                .ToList();
            await Parallel.ForEachAsync(
                messages,
                new ParallelOptions { MaxDegreeOfParallelism = MaxParallelSends, CancellationToken = cancellationToken },
                async (message, ct) => await queue.SendAsync(message, TimeSpan.Zero, ct));
            await store.DeleteOutboxAsync(rows, cancellationToken);
            queued += messages.Count;
        }

        if (leasedEntry is not null)
        {
            // Deleted only when no writer touched it for the grace period (see WebhookOutbox); otherwise released.
            if (!(leasedEntry.At + WebhookOutbox.PendingGrace < now && await store.DeletePendingAsync(leasedEntry, cancellationToken)))
            {
                await store.LeasePendingAsync(leasedEntry with { ETag = Azure.ETag.All }, null, cancellationToken);
            }
        }

        if (queued > 0)
        {
            Log.WebhookEventsDispatched(logger, tenant.Value, queued);
        }

        return queued;
    }
}
