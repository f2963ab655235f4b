using System.Collections.Immutable;
using Azure;
using Azure.Data.Tables;

namespace ServerlessAuth.Storage;

/// <summary>
/// The Table Storage idioms every store shares: conditional writes and one page of a query.
/// </summary>
/// <remarks>
/// A conditional write can fail because of itself. When a request times out on the client after storage applied it, the
/// SDK's retry sends it again and meets its own result: an insert answers 409, a replace guarded by the old ETag 412,
/// a delete 404. Answering that as a conflict would refuse a change that was made (a key issued, its secret never
/// shown). So every refused conditional write is checked once: when its witness (the entity an insert or replace
/// wrote) now holds exactly what this request sent, the write is reported done. A real conflict leaves a different
/// entity, or none, and stays a conflict. The witness of a transaction is its first insert, else its first replace: a
/// transaction is all or nothing, so one entity of it tells.
/// </remarks>
internal static class StoreWrites
{
    /// <summary>Inserts an entity; <see cref="WriteOutcome.Conflict"/> when a different entity has its keys.</summary>
    public static async Task<WriteOutcome> AddAsync(TableClient table, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return WriteOutcome.Done;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await LandedAsync(table, entity, cancellationToken) ? WriteOutcome.Done : WriteOutcome.Conflict;
        }
    }

    /// <summary>Replaces an entity only if it is unchanged since it was read (its ETag still matches).</summary>
    public static async Task<WriteOutcome> ReplaceAsync(TableClient table, TableEntity entity, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken);
            return WriteOutcome.Done;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return await LandedAsync(table, entity, cancellationToken) ? WriteOutcome.Done
                : e.Status == 412 ? WriteOutcome.Conflict : WriteOutcome.NotFound;
        }
    }

    /// <summary>Table Storage's limit of one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>
    /// Submits one entity-group transaction: all or nothing. Real Azure refuses transactions over 100 actions or
    /// across partitions (Azurite accepts both), so both limits are enforced here, where a violation is a bug.
    /// </summary>
    public static async Task<WriteOutcome> SubmitAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        if (actions.Count is 0 or > MaxTransactionActions)
        {
            throw new InvalidOperationException($"A transaction holds 1 to {MaxTransactionActions} actions, not {actions.Count}.");
        }

        var partition = actions[0].Entity.PartitionKey;
        if (actions.Any(a => a.Entity.PartitionKey != partition))
        {
            throw new InvalidOperationException("A transaction spans one partition only.");
        }

        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return WriteOutcome.Done;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            var witness = actions.FirstOrDefault(a => a.ActionType == TableTransactionActionType.Add)
                ?? actions.FirstOrDefault(a => a.ActionType is TableTransactionActionType.UpdateReplace or TableTransactionActionType.UpsertReplace);
            return witness is not null && await LandedAsync(table, (TableEntity)witness.Entity, cancellationToken) ? WriteOutcome.Done
                : e.Status == 404 ? WriteOutcome.NotFound : WriteOutcome.Conflict;
        }
    }

    /// <summary>
    /// True when the stored entity with <paramref name="sent"/>'s keys holds exactly its properties: the refused request
    /// was a retry of one that landed (see the remarks on this class). One point read, only after a refusal.
    /// </summary>
    private static async Task<bool> LandedAsync(TableClient table, TableEntity sent, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(sent.PartitionKey, sent.RowKey, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return false;
        }

        // Storage keeps no null property: compare what has a value on either side.
        var (written, stored) = (Values(sent), Values(response.Value!));
        return written.Count == stored.Count && written.All(p => stored.TryGetValue(p.Key, out var value) && Same(p.Value, value));
    }

    private static Dictionary<string, object> Values(TableEntity entity) =>
        entity.Where(p => p.Value is not null && p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static bool Same(object sent, object stored) => (sent, stored) switch
    {
        (DateTimeOffset a, DateTimeOffset b) => a.UtcTicks == b.UtcTicks,
        (DateTime a, DateTimeOffset b) => a.ToUniversalTime().Ticks == b.UtcTicks,
        (int a, int b) => a == b,
        (int a, long b) => a == b,
        (long a, long b) => a == b,
        (long a, int b) => a == b,
        (byte[] a, BinaryData b) => a.AsSpan().SequenceEqual(b.ToMemory().Span),
        (BinaryData a, BinaryData b) => a.ToMemory().Span.SequenceEqual(b.ToMemory().Span),
        _ => Equals(sent, stored),
    };

    public static async Task<Page<T>> ReadPageAsync<T>(
        TableClient table, string filter, int pageSize, string? storageToken, Func<TableEntity, T> map, CancellationToken cancellationToken)
    {
        await foreach (var page in table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).AsPages(storageToken, pageSize))
        {
            return new Page<T>([.. page.Values.Select(map)], ContinuationToken.Encode(page.ContinuationToken));
        }

        return new Page<T>([], null);
    }

    public static ImmutableSortedSet<string> SplitSet(string? joined) =>
        (joined ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToImmutableSortedSet(StringComparer.Ordinal);
}
