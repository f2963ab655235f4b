using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Tenants;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Storage;

/// <summary>
/// Webhooks in the tenant's partition of the <c>Tenants</c> table: endpoints <c>webhook|{id}</c> beside a summary row
/// <c>webhooks</c> (their count, whose ETag guards the limit per tenant), the outbox <c>outbox|{ticks}|{eventId}</c>
/// (written in the transaction of the change that causes the event, oldest first) and the delivery log
/// <c>whdelivery|{webhookId}|{eventId}</c> (newest first: event ids count time backwards). Across tenants, table
/// <c>Webhooks</c> partition <c>pending</c> lists the tenants that may have outbox rows, so the dispatcher finds them
/// without listing tenants.
/// </summary>
internal sealed class WebhookStore(TableStorage storage)
{
    /// <summary>Most endpoints one tenant may have.</summary>
    public const int MaxEndpoints = 10;

    private const string EndpointPrefix = "webhook|";
    private const string EndpointEnd = "webhook}";
    private const string SummaryRow = "webhooks";
    private const string OutboxPrefix = "outbox|";
    private const string OutboxEnd = "outbox}";
    private const string DeliveryPrefix = "whdelivery|";
    private const string PendingPartition = "pending";

    public async Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {EndpointPrefix} and RowKey lt {EndpointEnd}");
        var endpoints = new List<WebhookEndpoint>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            endpoints.Add(ToEndpoint(entity));
        }

        return endpoints;
    }

    public async Task<WebhookEndpoint?> GetEndpointAsync(TenantId tenant, WebhookId id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, EndpointPrefix + id.Value, cancellationToken: cancellationToken);
        return response.HasValue ? ToEndpoint(response.Value!) : null;
    }

    /// <summary>
    /// Adds an endpoint unless the tenant has <see cref="MaxEndpoints"/> already: the count and the new row in one
    /// transaction guarded by the summary row's ETag, so two concurrent creations cannot both take the last place.
    /// Null when the limit is reached.
    /// </summary>
    public async Task<WriteOutcome?> AddEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var (count, etag) = await SummaryAsync(table, endpoint.TenantId, cancellationToken);
        if (count >= MaxEndpoints)
        {
            return null;
        }

        var row = ToEntity(endpoint);
        return await StoreWrites.SubmitAsync(
            table, [SummaryAction(endpoint.TenantId, count + 1, etag), new TableTransactionAction(TableTransactionActionType.Add, row)], cancellationToken, witness: row);
    }

    /// <summary>Replaces an endpoint read through <see cref="GetEndpointAsync"/>, only if unchanged since.</summary>
    public async Task<WriteOutcome> ReplaceEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken, bool isWitness = false)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        return await StoreWrites.ReplaceAsync(table, ToEntity(endpoint), endpoint.ETag, cancellationToken, isWitness);
    }

    /// <summary>
    /// Deletes an endpoint (only if unchanged since read) and lowers the count in one transaction; then its delivery
    /// log. A failure in between leaves log rows of no endpoint, which nothing lists.
    /// </summary>
    public async Task<WriteOutcome> DeleteEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var (count, etag) = await SummaryAsync(table, endpoint.TenantId, cancellationToken);
        var outcome = await StoreWrites.SubmitAsync(
            table,
            [
                SummaryAction(endpoint.TenantId, Math.Max(0, count - 1), etag),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(endpoint.TenantId.Value, EndpointPrefix + endpoint.Id.Value), endpoint.ETag),
            ],
            cancellationToken);
        if (outcome == WriteOutcome.Done)
        {
            await StoreWrites.DeleteRangeAsync(table, endpoint.TenantId.Value, DeliveryPrefix + endpoint.Id.Value + "|", DeliveryPrefix + endpoint.Id.Value + "}", cancellationToken);
        }

        return outcome;
    }

    /// <summary>The outbox row of an event, to add to the transaction of the change that causes it.</summary>
    public static TableTransactionAction OutboxAction(TenantId tenant, WebhookEventId id, string type, string payload, DateTimeOffset writtenAt) =>
        new(TableTransactionActionType.Add, new TableEntity(tenant.Value, OutboxPrefix + writtenAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + id.Value)
        {
            ["EventId"] = id.Value,
            ["Type"] = type,
            ["Payload"] = payload,
            ["WrittenAt"] = writtenAt,
        });

    /// <summary>The oldest outbox rows of a tenant, at most one transaction's worth.</summary>
    public async Task<IReadOnlyList<OutboxEvent>> ListOutboxAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {OutboxPrefix} and RowKey lt {OutboxEnd}");
        var rows = new List<OutboxEvent>();
        await foreach (var page in table.QueryAsync<TableEntity>(filter, StoreWrites.MaxTransactionActions, cancellationToken: cancellationToken).AsPages(pageSizeHint: StoreWrites.MaxTransactionActions))
        {
            rows.AddRange(page.Values.Select(e => new OutboxEvent(
                tenant, e.RowKey, WebhookEventId.FromStorage(e.GetString("EventId")), e.GetString("Type"), e.GetString("Payload"), e.GetDateTimeOffset("WrittenAt") ?? default)));
            break;
        }

        return rows;
    }

    /// <summary>Deletes outbox rows of one tenant (at most 100): one transaction, or one by one if some are gone already.</summary>
    public async Task DeleteOutboxAsync(IReadOnlyList<OutboxEvent> rows, CancellationToken cancellationToken)
    {
        if (rows.Count > 0)
        {
            var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
            await StoreWrites.DeleteAllAsync(
                table, [.. rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.TenantId.Value, r.RowKey), ETag.All))], cancellationToken);
        }
    }

    /// <summary>Records that <paramref name="tenant"/> may have outbox rows (a merge: it keeps a dispatcher's lease).</summary>
    public async Task PutPendingAsync(TenantId tenant, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(PendingPartition, tenant.Value) { ["At"] = at }, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task<IReadOnlyList<PendingTenant>> ListPendingAsync(CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        var pending = new List<PendingTenant>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PendingPartition}"), cancellationToken: cancellationToken))
        {
            if (TenantId.TryParse(e.RowKey, out var tenant))
            {
                pending.Add(new PendingTenant(tenant, e.GetDateTimeOffset("At") ?? default, e.GetDateTimeOffset("LeasedUntil"), e.ETag));
            }
        }

        return pending;
    }

    public async Task<PendingTenant?> GetPendingAsync(TenantId tenant, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        var e = await table.GetEntityIfExistsAsync<TableEntity>(PendingPartition, tenant.Value, cancellationToken: cancellationToken);
        return e.HasValue ? new PendingTenant(tenant, e.Value!.GetDateTimeOffset("At") ?? default, e.Value.GetDateTimeOffset("LeasedUntil"), e.Value.ETag) : null;
    }

    /// <summary>Sets the lease of a pending entry, only if unchanged since read; the entry with its new ETag, or null.</summary>
    public async Task<PendingTenant?> LeasePendingAsync(PendingTenant entry, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        try
        {
            var response = await table.UpdateEntityAsync(
                new TableEntity(PendingPartition, entry.TenantId.Value) { ["LeasedUntil"] = until ?? DateTimeOffset.UnixEpoch }, entry.ETag, TableUpdateMode.Merge, cancellationToken);
            return entry with { LeasedUntil = until, ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>Deletes a pending entry if unchanged since read (a writer's merge since then keeps it).</summary>
    public async Task<bool> DeletePendingAsync(PendingTenant entry, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Webhooks, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(PendingPartition, entry.TenantId.Value, entry.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return e.Status == 404;
        }
    }

    /// <summary>Writes what an attempt did to the delivery log (a merge: the body is written once, with the first attempt).</summary>
    public async Task PutDeliveryAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var entity = new TableEntity(delivery.TenantId.Value, DeliveryRow(delivery.WebhookId, delivery.EventId))
        {
            ["EventType"] = delivery.EventType,
            ["Status"] = delivery.Status.ToString(),
            ["Attempts"] = delivery.Attempts,
            ["LastResponseCode"] = delivery.LastResponseCode ?? 0,
            ["LastLatencyMs"] = delivery.LastLatencyMs ?? -1,
            ["LastError"] = delivery.LastError ?? "",
            ["FirstAttemptAt"] = delivery.FirstAttemptAt,
            ["LastAttemptAt"] = delivery.LastAttemptAt,
            ["NextAttemptAt"] = delivery.NextAttemptAt ?? DateTimeOffset.UnixEpoch,
        };
        if (delivery.Payload is not null)
        {
            entity["Payload"] = delivery.Payload;
        }

        await table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task<WebhookDelivery?> GetDeliveryAsync(TenantId tenant, WebhookId webhook, WebhookEventId id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, DeliveryRow(webhook, id), cancellationToken: cancellationToken);
        return response.HasValue ? ToDelivery(response.Value!) : null;
    }

    /// <summary>One page of an endpoint's delivery log, newest event first.</summary>
    public async Task<Page<WebhookDelivery>> ListDeliveriesAsync(TenantId tenant, WebhookId webhook, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var (lower, upper) = (DeliveryPrefix + webhook.Value + "|", DeliveryPrefix + webhook.Value + "}");
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {lower} and RowKey lt {upper}");
        return await StoreWrites.ReadPageAsync(table, filter, pageSize, storageToken, ToDelivery, cancellationToken);
    }

    /// <summary>
    /// Deletes the delivery log lines of a tenant's endpoints whose events are older than <paramref name="cutoff"/>
    /// (for each endpoint a contiguous range: ids count time backwards). Answers how many were deleted.
    /// </summary>
    public async Task<int> PurgeDeliveriesBeforeAsync(TenantId tenant, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var deleted = 0;
        foreach (var endpoint in await ListEndpointsAsync(tenant, cancellationToken))
        {
            var prefix = DeliveryPrefix + endpoint.Id.Value + "|";
            deleted += await StoreWrites.DeleteRangeAsync(table, tenant.Value, prefix + "msg_" + WebhookEventId.TimeKey(cutoff), DeliveryPrefix + endpoint.Id.Value + "}", cancellationToken);
        }

        return deleted;
    }

    private static string DeliveryRow(WebhookId webhook, WebhookEventId id) => DeliveryPrefix + webhook.Value + "|" + id.Value;

    private static async Task<(int Count, ETag? ETag)> SummaryAsync(TableClient table, TenantId tenant, CancellationToken cancellationToken)
    {
        var summary = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, SummaryRow, cancellationToken: cancellationToken);
        return summary.HasValue ? (summary.Value!.GetInt32("Count") ?? 0, summary.Value.ETag) : (0, null);
    }

    private static TableTransactionAction SummaryAction(TenantId tenant, int count, ETag? etag)
    {
        var entity = new TableEntity(tenant.Value, SummaryRow) { ["Count"] = count };
        return etag is { } tag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, tag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
    }

    private static TableEntity ToEntity(WebhookEndpoint w) => new(w.TenantId.Value, EndpointPrefix + w.Id.Value)
    {
        ["WebhookId"] = w.Id.Value,
        ["Url"] = w.Url,
        ["Description"] = w.Description,
        ["EventTypes"] = string.Join(' ', w.EventTypes),
        ["Enabled"] = w.Enabled,
        ["DisabledReason"] = w.DisabledReason,
        ["CreatedAt"] = w.CreatedAt,
        ["UpdatedAt"] = w.UpdatedAt,
        ["SecretCipher"] = w.SecretCipher,
        ["PreviousSecretCipher"] = w.PreviousSecretCipher,
        ["PreviousSecretExpiresAt"] = w.PreviousSecretExpiresAt,
        ["FailingSince"] = w.FailingSince,
        ["LastSuccessAt"] = w.LastSuccessAt,
    };

    private static WebhookEndpoint ToEndpoint(TableEntity e) => new()
    {
        TenantId = TenantId.FromStorage(e.PartitionKey),
        Id = WebhookId.FromStorage(e.GetString("WebhookId")),
        Url = e.GetString("Url"),
        Description = e.GetString("Description"),
        EventTypes = StoreWrites.SplitSet(e.GetString("EventTypes")),
        Enabled = e.GetBoolean("Enabled") ?? false,
        DisabledReason = e.GetString("DisabledReason"),
        CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
        UpdatedAt = e.GetDateTimeOffset("UpdatedAt") ?? default,
        SecretCipher = e.GetString("SecretCipher"),
        PreviousSecretCipher = e.GetString("PreviousSecretCipher"),
        PreviousSecretExpiresAt = e.GetDateTimeOffset("PreviousSecretExpiresAt"),
        FailingSince = e.GetDateTimeOffset("FailingSince"),
        LastSuccessAt = e.GetDateTimeOffset("LastSuccessAt"),
        ETag = e.ETag,
    };

    private static WebhookDelivery ToDelivery(TableEntity e)
    {
        var parts = e.RowKey.Split('|');
        return new WebhookDelivery
        {
            TenantId = TenantId.FromStorage(e.PartitionKey),
            WebhookId = WebhookId.FromStorage(parts[1]),
            EventId = WebhookEventId.FromStorage(parts[2]),
            EventType = e.GetString("EventType") ?? "",
            Status = Enum.TryParse<DeliveryStatus>(e.GetString("Status"), out var status) ? status : DeliveryStatus.Pending,
            Attempts = e.GetInt32("Attempts") ?? 0,
            LastResponseCode = e.GetInt32("LastResponseCode") is > 0 and var code ? code : null,
            LastLatencyMs = e.GetInt64("LastLatencyMs") is >= 0 and var latency ? latency : null,
            LastError = e.GetString("LastError") is { Length: > 0 } error ? error : null,
            FirstAttemptAt = e.GetDateTimeOffset("FirstAttemptAt"),
            LastAttemptAt = e.GetDateTimeOffset("LastAttemptAt"),
            NextAttemptAt = e.GetDateTimeOffset("NextAttemptAt") is { } next && next > DateTimeOffset.UnixEpoch ? next : null,
            Payload = e.GetString("Payload"),
        };
    }
}

/// <summary>An event waiting in a tenant's outbox.</summary>
internal sealed record OutboxEvent(TenantId TenantId, string RowKey, WebhookEventId EventId, string Type, string Payload, DateTimeOffset WrittenAt);

/// <summary>A tenant that may have outbox rows; <see cref="At"/> is the last time a writer said so.</summary>
internal sealed record PendingTenant(TenantId TenantId, DateTimeOffset At, DateTimeOffset? LeasedUntil, ETag ETag);
