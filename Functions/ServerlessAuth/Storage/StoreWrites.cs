using System.Collections.Immutable;
using Azure;
using Azure.Data.Tables;

namespace ServerlessAuth.Storage;

/// <summary>The Table Storage idioms every store shares: conditional replace and one page of a query.</summary>
internal static class StoreWrites
{
    /// <summary>Replaces an entity only if it is unchanged since it was read (its ETag still matches).</summary>
    public static async Task<WriteOutcome> ReplaceAsync(TableClient table, TableEntity entity, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken);
            return WriteOutcome.Done;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return WriteOutcome.Conflict;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return WriteOutcome.NotFound;
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
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            return WriteOutcome.Conflict;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            return WriteOutcome.NotFound;
        }
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
