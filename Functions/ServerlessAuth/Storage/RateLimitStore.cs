using Azure;
using Azure.Data.Tables;
using ServerlessAuth.RateLimiting;

namespace ServerlessAuth.Storage;

/// <summary>
/// The shared rate-limit counters in the <c>RateLimits</c> table: partition = credential key
/// (<c>{tenantId}|{credentialId}</c>), one row <c>window</c> holding the current window's start and how much of its
/// budget the instances have claimed. A new window overwrites the row, so the table holds one row per credential
/// ever validated and never grows with time; <see cref="DeleteAsync"/> removes it with the credential.
/// </summary>
internal sealed class RateLimitStore(TableStorage storage)
{
    private const string WindowRow = "window";

    public async Task<RateLimitCounter?> GetAsync(RateLimitKey key, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RateLimits, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(key.ToString(), WindowRow, cancellationToken: cancellationToken);
        return response.HasValue ? ToCounter(key, response.Value!) : null;
    }

    /// <summary>Creates the counter; <see cref="WriteOutcome.Conflict"/> when another instance created it first.</summary>
    public async Task<(WriteOutcome Outcome, ETag ETag)> AddAsync(RateLimitCounter counter, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RateLimits, cancellationToken);
        try
        {
            var response = await table.AddEntityAsync(ToEntity(counter), cancellationToken);
            return (WriteOutcome.Done, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return (WriteOutcome.Conflict, default);
        }
    }

    /// <summary>Replaces the counter only if no other instance wrote it since <see cref="RateLimitCounter.ETag"/>.</summary>
    public async Task<(WriteOutcome Outcome, ETag ETag)> ReplaceAsync(RateLimitCounter counter, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RateLimits, cancellationToken);
        try
        {
            var response = await table.UpdateEntityAsync(ToEntity(counter), counter.ETag, TableUpdateMode.Replace, cancellationToken);
            return (WriteOutcome.Done, response.Headers.ETag ?? default);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return (WriteOutcome.Conflict, default);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (WriteOutcome.NotFound, default);
        }
    }

    /// <summary>Removes a credential's counter (when the credential itself is purged). Idempotent.</summary>
    public async Task DeleteAsync(RateLimitKey key, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RateLimits, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(key.ToString(), WindowRow, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Never validated, or deleted already.
        }
    }

    private static TableEntity ToEntity(RateLimitCounter c) => new(c.Key.ToString(), WindowRow)
    {
        ["WindowStart"] = c.WindowStart,
        ["Claimed"] = c.Claimed,
        ["Limit"] = c.Limit,

        // The end of the window: past it the row's count means nothing (the next claim overwrites it).
        ["ExpiresAt"] = c.WindowStart + CredentialRateLimiter.Window,
    };

    private static RateLimitCounter ToCounter(RateLimitKey key, TableEntity e) => new()
    {
        Key = key,
        WindowStart = e.GetDateTimeOffset("WindowStart") ?? default,
        Claimed = e.GetInt64("Claimed") ?? 0,
        Limit = e.GetInt32("Limit") ?? 0,
        ETag = e.ETag,
    };
}
