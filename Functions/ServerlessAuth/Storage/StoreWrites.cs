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
