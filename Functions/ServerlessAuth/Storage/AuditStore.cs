using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Audit;
using ServerlessAuth.Security;
using ServerlessAuth.Tenants;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Storage;

/// <summary>
/// The audit and usage log, in the tenant's partition of the <c>Tenants</c> table (so that an event can be written
/// in the same transaction as the change it records): row <c>audit|{inverted ticks}|{suffix}</c>, newest first.
/// </summary>
internal sealed class AuditStore(TableStorage storage, AuditRetention retention, WebhookOutbox outbox)
{
    private const string Prefix = "audit|";
    private const string End = "audit}";

    /// <summary>
    /// What recording <paramref name="e"/> adds to the transaction of the change it records: its row, and its outbox row
    /// when an endpoint of the tenant takes its type. Tracks the tenant for audit retention (and, with an outbox row,
    /// for the webhook dispatcher) first, so that nothing written is ever unknown to the job that must find it.
    /// </summary>
    public async Task<PreparedEvent> PrepareAsync(AuditEvent e, CancellationToken cancellationToken)
    {
        await retention.TrackAsync(e.TenantId, cancellationToken);
        var record = new TableTransactionAction(TableTransactionActionType.Add, ToEntity(e));
        return new PreparedEvent(e, record, await outbox.PrepareAsync(e, cancellationToken), outbox);
    }

    public static string RowKey(DateTimeOffset at, string suffix) =>
        Prefix + (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + suffix;

    /// <summary>
    /// Records an event on its own; an event recorded once already (same <see cref="AuditEvent.OnceKey"/>) is left
    /// as is. True when this call recorded it.
    /// </summary>
    public async Task<bool> AddAsync(AuditEvent e, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var prepared = await PrepareAsync(e, cancellationToken);
        if (prepared.Notice is null)
        {
            try
            {
                await table.AddEntityAsync((TableEntity)prepared.Record.Entity, cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                return false;
            }
        }

        // The event and its outbox row together: an event recorded already fails the whole transaction, outbox row included.
        return prepared.Committed(await StoreWrites.SubmitAsync(table, prepared.Actions, cancellationToken)) == WriteOutcome.Done;
    }

    /// <summary>
    /// Deletes the tenant's events dated before <paramref name="cutoff"/> (a contiguous range of its partition:
    /// rows are newest first), 100 per transaction. Returns how many were deleted.
    /// </summary>
    public async Task<int> PurgeBeforeAsync(TenantId tenant, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var lower = Prefix + (DateTimeOffset.MaxValue.UtcTicks - cutoff.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        return await StoreWrites.DeleteRangeAsync(table, tenant.Value, lower, End, cancellationToken);
    }

    /// <summary>The current count of a counted row (daily usage) and its ETag, to add to it in a transaction.</summary>
    public async Task<(long Count, ETag? ETag)> GetCountAsync(AuditEvent e, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var entity = ToEntity(e);
        var existing = await table.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, entity.RowKey, ["Count"], cancellationToken);
        return existing.HasValue ? (existing.Value!.GetInt64("Count") ?? 0, existing.Value.ETag) : (0, null);
    }

    /// <summary>
    /// The action that sets a counted row to <paramref name="count"/>: an add when it did not exist (fails if another
    /// writer created it meanwhile), else a replace guarded by the ETag it was read with.
    /// </summary>
    public static TableTransactionAction SetCountAction(AuditEvent e, long count, ETag? etag)
    {
        var entity = ToEntity(e);
        entity["Count"] = count;
        return etag is { } tag
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, tag)
            : new TableTransactionAction(TableTransactionActionType.Add, entity);
    }

    public async Task<Page<AuditEvent>> ListAsync(
        TenantId tenant, DateTimeOffset? from, DateTimeOffset? to, string? type, string? credentialId, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);

        // Newest first: the row key of "to" is the lower bound, that of "from" the upper one.
        var lower = to is { } t ? RowKey(t, "") : Prefix;
        var upper = from is { } f ? RowKey(f.AddTicks(-1), "") : End;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {lower} and RowKey lt {upper}");
        if (type is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Type eq {type}");
        }

        if (credentialId is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"CredentialId eq {credentialId}");
        }

        return await StoreWrites.ReadPageAsync(table, filter, pageSize, storageToken, ToEvent, cancellationToken);
    }

    private static TableEntity ToEntity(AuditEvent e) => new(e.TenantId.Value, RowKey(e.At, e.OnceKey ?? Base62.Random(8)))
    {
        ["At"] = e.At,
        ["Type"] = e.Type,
        ["Actor"] = e.Actor,
        ["CredentialId"] = e.CredentialId,
        ["Hint"] = e.Hint,
        ["Detail"] = e.Detail,
        ["Count"] = e.Count,
        ["RelatedCredentialId"] = e.RelatedCredentialId,
        ["RelatedCredentialIds"] = e.RelatedCredentialIds is { } ids ? string.Join(' ', ids) : null,
    };

    private static AuditEvent ToEvent(TableEntity e) => new()
    {
        TenantId = TenantId.FromStorage(e.PartitionKey),
        At = e.GetDateTimeOffset("At") ?? default,
        Type = e.GetString("Type"),
        Actor = e.GetString("Actor"),
        CredentialId = e.GetString("CredentialId"),
        Hint = e.GetString("Hint"),
        Detail = e.GetString("Detail"),
        Count = e.GetInt64("Count"),
        RelatedCredentialId = e.GetString("RelatedCredentialId"),
        RelatedCredentialIds = e.GetString("RelatedCredentialIds") is { } ids ? ids.Split(' ', StringSplitOptions.RemoveEmptyEntries) : null,
    };
}

/// <summary>
/// An audit event ready to go into the transaction of the change it records: <see cref="Actions"/> to add, and
/// <see cref="Committed"/> to call with the transaction's outcome (it wakes the webhook dispatcher when an outbox row
/// was written).
/// </summary>
internal sealed class PreparedEvent(AuditEvent e, TableTransactionAction record, TableTransactionAction? notice, WebhookOutbox outbox)
{
    public TableTransactionAction Record { get; } = record;

    /// <summary>The outbox row, when an endpoint of the tenant takes the event's type.</summary>
    public TableTransactionAction? Notice { get; } = notice;

    public IReadOnlyList<TableTransactionAction> Actions => Notice is null ? [Record] : [Record, Notice];

    /// <summary>
    /// The row that witnesses the transaction (<see cref="StoreWrites"/>): an event's row key ends in a random suffix,
    /// unique to the request; an event recorded once has a fixed row key, which an overlapping run could write with the
    /// same content, so it is no witness.
    /// </summary>
    public ITableEntity? Witness => e.OnceKey is null ? Record.Entity : null;

    /// <summary>Passes <paramref name="outcome"/> through, waking the dispatcher if the outbox row was written.</summary>
    public WriteOutcome Committed(WriteOutcome outcome)
    {
        if (outcome == WriteOutcome.Done && Notice is not null)
        {
            outbox.Committed(e.TenantId);
        }

        return outcome;
    }
}
