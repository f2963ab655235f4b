using Azure;
using Azure.Data.Tables;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Storage;

/// <summary>
/// API keys in the <c>Tenants</c> table, in their tenant's partition, as two copies of one record:
/// <c>key|{keyId}</c> (management, listing) and <c>secret|{sha256}</c> (lookup by secret, one point read).
/// Both are written in one entity-group transaction, so they never disagree; the <c>key|</c> row's ETag guards
/// every state change.
/// </summary>
internal sealed class ApiKeyStore(TableStorage storage, AuditStore audits)
{
    private const string KeyRowPrefix = "key|";
    private const string KeyRowEnd = "key}";
    private const string SecretRowPrefix = "secret|";

    /// <summary>
    /// Stores a new key and the event that records it, guarded by its operator's row (<see cref="TenantStore.GrantGuard"/>):
    /// all rows or none.
    /// </summary>
    public async Task<WriteOutcome> AddAsync(ApiKey key, AuditEvent audit, TableTransactionAction operatorGuard, CancellationToken cancellationToken)
    {
        var recorded = await audits.PrepareAsync(audit, cancellationToken);
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        IReadOnlyList<TableTransactionAction> actions = [.. AddActions(key), .. recorded.Actions, operatorGuard];
        return recorded.Committed(await StoreWrites.SubmitAsync(table, actions, cancellationToken, witness: actions[0].Entity));
    }

    public async Task<ApiKey?> GetAsync(TenantId tenant, ApiKeyId id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, KeyRowPrefix + id.Value, cancellationToken: cancellationToken);
        return response.HasValue ? ToApiKey(response.Value!) : null;
    }

    /// <summary>The key whose secret has this digest: one point read.</summary>
    public async Task<ApiKey?> FindBySecretAsync(TenantId tenant, string secretDigest, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, SecretRowPrefix + secretDigest, cancellationToken: cancellationToken);
        return response.HasValue ? ToApiKey(response.Value!) : null;
    }

    /// <summary>
    /// Replaces both rows of a key read through <see cref="GetAsync"/>, only if the <c>key|</c> row is unchanged,
    /// together with the event that records the change.
    /// </summary>
    public async Task<WriteOutcome> ReplaceAsync(ApiKey key, AuditEvent? audit, CancellationToken cancellationToken)
    {
        var recorded = audit is null ? null : await audits.PrepareAsync(audit, cancellationToken);
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        IReadOnlyList<TableTransactionAction> actions = recorded is null ? [.. ReplaceActions(key)] : [.. ReplaceActions(key), .. recorded.Actions];
        var outcome = await StoreWrites.SubmitAsync(table, actions, cancellationToken, witness: recorded?.Witness);
        return recorded?.Committed(outcome) ?? outcome;
    }

    /// <summary>
    /// Rotation in one transaction: the old key (shortened expiry, guarded by its ETag), the new key, the event and the
    /// operator's guard (<see cref="TenantStore.GrantGuard"/>). Either the new key exists and the old one ends with its
    /// overlap window, or nothing changed.
    /// </summary>
    public async Task<WriteOutcome> RotateAsync(ApiKey previous, ApiKey next, AuditEvent audit, TableTransactionAction operatorGuard, CancellationToken cancellationToken)
    {
        var recorded = await audits.PrepareAsync(audit, cancellationToken);
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var added = AddActions(next).ToList();
        return recorded.Committed(await StoreWrites.SubmitAsync(
            table, [.. ReplaceActions(previous), .. added, .. recorded.Actions, operatorGuard], cancellationToken, witness: added[0].Entity));
    }

    /// <summary>
    /// Records use in one transaction: merges <c>LastUsedAt</c> into both rows (never touching status, so it cannot
    /// undo a revocation; it fails if the key was purged) together with <paramref name="extra"/> actions of the same
    /// partition (the daily usage counters).
    /// </summary>
    public async Task<WriteOutcome> RecordUseAsync(
        TenantId tenant, ApiKeyId id, string secretDigest, DateTimeOffset lastUsedAt, IEnumerable<TableTransactionAction> extra, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        TableEntity Row(string rowKey) => new(tenant.Value, rowKey) { ["LastUsedAt"] = lastUsedAt };
        return await StoreWrites.SubmitAsync(
            table,
            [
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, Row(KeyRowPrefix + id.Value), ETag.All),
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, Row(SecretRowPrefix + secretDigest), ETag.All),
                .. extra,
            ],
            cancellationToken);
    }

    /// <summary>Deletes both rows of a key (purge), only if unchanged since read.</summary>
    public async Task<WriteOutcome> DeleteAsync(ApiKey key, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        return await StoreWrites.SubmitAsync(
            table,
            [
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(key.TenantId.Value, KeyRowPrefix + key.Id.Value), key.ETag),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(key.TenantId.Value, SecretRowPrefix + key.SecretDigest), ETag.All),
            ],
            cancellationToken);
    }

    private static IEnumerable<TableTransactionAction> AddActions(ApiKey key) =>
    [
        new(TableTransactionActionType.Add, ToEntity(key, KeyRowPrefix + key.Id.Value)),
        new(TableTransactionActionType.Add, ToEntity(key, SecretRowPrefix + key.SecretDigest)),
    ];

    private static IEnumerable<TableTransactionAction> ReplaceActions(ApiKey key) =>
    [
        new(TableTransactionActionType.UpdateReplace, ToEntity(key, KeyRowPrefix + key.Id.Value), key.ETag),
        new(TableTransactionActionType.UpdateReplace, ToEntity(key, SecretRowPrefix + key.SecretDigest), ETag.All),
    ];

    /// <summary>One page of a tenant's keys, optionally of one operator and one status (as seen at <paramref name="now"/>).</summary>
    public async Task<Page<ApiKey>> ListAsync(
        TenantId tenant, OperatorId? op, ApiKeyStatus? status, DateTimeOffset now, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {KeyRowPrefix} and RowKey lt {KeyRowEnd}");
        if (op is { } operatorId)
        {
            filter += " and " + TableClient.CreateQueryFilter($"OperatorId eq {operatorId.Value}");
        }

        var active = nameof(ApiKeyStatus.Active);
        var expired = nameof(ApiKeyStatus.Expired);
        filter += status switch
        {
            ApiKeyStatus.Active => " and " + TableClient.CreateQueryFilter($"Status eq {active} and ExpiresAt gt {now}"),
            ApiKeyStatus.Expired => " and " + TableClient.CreateQueryFilter($"(Status eq {expired} or (Status eq {active} and ExpiresAt le {now}))"),
            ApiKeyStatus.Revoked => " and " + TableClient.CreateQueryFilter($"Status eq {nameof(ApiKeyStatus.Revoked)}"),
            _ => "",
        };

        return await StoreWrites.ReadPageAsync(table, filter, pageSize, storageToken, ToApiKey, cancellationToken);
    }

    private static TableEntity ToEntity(ApiKey k, string rowKey) => new(k.TenantId.Value, rowKey)
    {
        ["KeyId"] = k.Id.Value,
        ["OperatorId"] = k.OperatorId.Value,
        ["Name"] = k.Name,
        ["Scopes"] = Security.Scopes.Join(k.Scopes),
        ["Status"] = k.Status.ToString(),
        ["Hint"] = k.Hint,
        ["SecretDigest"] = k.SecretDigest,
        ["CreatedAt"] = k.CreatedAt,
        ["ExpiresAt"] = k.ExpiresAt,
        ["LastUsedAt"] = k.LastUsedAt,
        ["RevokedAt"] = k.RevokedAt,
        ["RevokedBy"] = k.RevokedBy,
        ["RateLimitPerHour"] = k.RateLimitPerHour,
        ["RotatedFrom"] = k.RotatedFrom,
        ["RotatedTo"] = k.RotatedTo,
        ["RateLimitId"] = k.RateLimitId,
        ["OperatorGeneration"] = k.OperatorGeneration,
    };

    private static ApiKey ToApiKey(TableEntity e)
    {
        return new ApiKey
        {
            TenantId = TenantId.FromStorage(e.PartitionKey),
            Id = ApiKeyId.FromStorage(e.GetString("KeyId")),
            OperatorId = OperatorId.FromStorage(e.GetString("OperatorId")),
            Name = e.GetString("Name"),
            Scopes = StoreWrites.SplitSet(e.GetString("Scopes")),
            Status = Enum.Parse<ApiKeyStatus>(e.GetString("Status")),
            Hint = e.GetString("Hint"),
            SecretDigest = e.GetString("SecretDigest"),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            ExpiresAt = e.GetDateTimeOffset("ExpiresAt") ?? default,
            LastUsedAt = e.GetDateTimeOffset("LastUsedAt"),
            RevokedAt = e.GetDateTimeOffset("RevokedAt"),
            RevokedBy = e.GetString("RevokedBy"),
            RateLimitPerHour = e.GetInt32("RateLimitPerHour"),
            RotatedFrom = e.GetString("RotatedFrom"),
            RotatedTo = e.GetString("RotatedTo"),
            RateLimitId = e.GetString("RateLimitId"),
            OperatorGeneration = e.GetString("OperatorGeneration"),
            ETag = e.ETag,
        };
    }
}
