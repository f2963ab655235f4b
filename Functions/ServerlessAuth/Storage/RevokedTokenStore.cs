using Azure;
using Azure.Data.Tables;

namespace ServerlessAuth.Storage;

/// <summary>
/// Revoked access tokens in the <c>RevokedTokens</c> table: PK = <c>jti</c>, one row per token, kept until the
/// token's own <c>exp</c> (a token past it is refused anyway), so a revocation survives restarts and is seen by
/// every instance. Lookup is one point read.
/// </summary>
internal sealed class RevokedTokenStore(TableStorage storage)
{
    private const string Row = "revoked";

    public async Task<RevokedToken?> FindAsync(string jti, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RevokedTokens, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(jti, Row, cancellationToken: cancellationToken);
        return response.HasValue
            ? new RevokedToken(jti, response.Value!.GetString("TenantId"), response.Value.GetDateTimeOffset("ExpiresAt") ?? default)
            : null;
    }

    /// <summary>Records a revocation; idempotent (a second revocation keeps the first row).</summary>
    public async Task AddAsync(RevokedToken token, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RevokedTokens, cancellationToken);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(token.Jti, Row) { ["TenantId"] = token.TenantId, ["ExpiresAt"] = token.ExpiresAt, ["RevokedAt"] = revokedAt },
                cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Revoked already: nothing to change.
        }
    }

    /// <summary>Deletes rows whose token has expired (for the lifecycle job); answers how many.</summary>
    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.RevokedTokens, cancellationToken);
        var count = 0;
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ExpiresAt lt {now}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken);
            count++;
        }

        return count;
    }
}

/// <summary>A revoked token: its id and its expiry (after which the row can go).</summary>
internal sealed record RevokedToken(string Jti, string? TenantId, DateTimeOffset ExpiresAt);
