using System.Collections.Immutable;
using Azure;
using Azure.Data.Tables;

namespace ServerlessAuth.Storage;

/// <summary>
/// The Table Storage idioms every store shares: conditional writes and one page of a query.
/// </summary>
/// <remarks>
/// A conditional write can fail because of itself. When a request times out on the client after storage applied it, the
/// SDK's retry sends it again and meets its own result: an insert answers 409, a replace guarded by the old ETag 412.
/// Answering that as a conflict would refuse a change that was made (a key issued, its secret never shown). So a
/// refused write that names a witness (an entity it writes that no other request could write with the same content: a
/// new id, an audit event with a random row key, a row stamped with the time of the change) reads the witness back once;
/// when it holds exactly what this request sent, the write is reported done. A real conflict leaves a different entity,
/// or none, and stays a conflict. Writes whose content another request could repeat exactly (usage counters, index
/// entries, events recorded once) name no witness and keep the plain outcome: for them a false "done" would lose a
/// count. A delete has nothing to read back: a retried delete that meets its own result answers "not found", which
/// callers read as gone (deleting an operator answers 204; the lifecycle purge still forgets the key's rate-limit row).
/// </remarks>
internal static class StoreWrites
{
    /// <summary>
    /// Inserts an entity that is its own witness (see the remarks); <see cref="WriteOutcome.Conflict"/> when a
    /// different entity has its keys.
    /// </summary>
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

    /// <summary>
    /// Replaces an entity only if it is unchanged since it was read (its ETag still matches). With
    /// <paramref name="isWitness"/>, the entity is its own witness (see the remarks).
    /// </summary>
    public static async Task<WriteOutcome> ReplaceAsync(TableClient table, TableEntity entity, ETag etag, CancellationToken cancellationToken, bool isWitness = false)
    {
        try
        {
            await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken);
            return WriteOutcome.Done;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return isWitness && await LandedAsync(table, entity, cancellationToken) ? WriteOutcome.Done
                : e.Status == 412 ? WriteOutcome.Conflict : WriteOutcome.NotFound;
        }
    }

    /// <summary>Table Storage's limit of one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>
    /// Submits one entity-group transaction: all or nothing. Real Azure refuses transactions over 100 actions or
    /// across partitions (Azurite accepts both), so both limits are enforced here, where a violation is a bug.
    /// <c>witness</c>: an entity of the transaction unique to this request (see the remarks), or null.
    /// </summary>
    public static async Task<WriteOutcome> SubmitAsync(
        TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken, ITableEntity? witness = null)
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
            return witness is TableEntity sent && await LandedAsync(table, sent, cancellationToken) ? WriteOutcome.Done
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
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        _ => Equals(sent, stored),
    };

    /// <summary>
    /// Deletes the rows of <paramref name="partition"/> from <paramref name="from"/> (inclusive) to
    /// <paramref name="before"/> (exclusive), 100 per transaction. Answers how many were deleted.
    /// </summary>
    public static async Task<int> DeleteRangeAsync(TableClient table, string partition, string from, string before, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {before}");
        var batch = new List<TableTransactionAction>(MaxTransactionActions);
        var deleted = 0;
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, ETag.All));
            if (batch.Count == MaxTransactionActions)
            {
                deleted += await DeleteAllAsync(table, batch, cancellationToken);
                batch.Clear();
            }
        }

        return deleted + (batch.Count > 0 ? await DeleteAllAsync(table, batch, cancellationToken) : 0);
    }

    /// <summary>
    /// Deletes rows of one partition (at most 100, as unconditional delete actions) in one transaction; if a row vanished
    /// meanwhile (an overlapping run), the rest one by one. Answers how many were deleted.
    /// </summary>
    public static async Task<int> DeleteAllAsync(TableClient table, IReadOnlyList<TableTransactionAction> deletes, CancellationToken cancellationToken)
    {
        if (await SubmitAsync(table, deletes, cancellationToken) == WriteOutcome.Done)
        {
            return deletes.Count;
        }

        var deleted = 0;
        foreach (var action in deletes)
        {
            try
            {
                await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken);
                deleted++;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }

        return deleted;
    }

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
