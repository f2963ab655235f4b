using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Audit;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Storage;

/// <summary>
/// Tenants and operators in the <c>Tenants</c> table: partition = tenant id; row <c>tenant</c> for the tenant,
/// <c>operator|{id}</c> for each operator.
/// </summary>
internal sealed class TenantStore(TableStorage storage, AuditStore audits)
{
    private const string TenantRow = "tenant";
    private const string OperatorRowPrefix = "operator|";

    // '}' is the character after '|': the row range of every operator of a partition.
    private const string OperatorRowEnd = "operator}";

    public async Task<Tenant?> GetAsync(TenantId id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(id.Value, TenantRow, cancellationToken: cancellationToken);
        return response.HasValue ? ToTenant(response.Value!) : null;
    }

    public async Task<WriteOutcome> AddAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        return await StoreWrites.AddAsync(table, ToEntity(tenant), cancellationToken);
    }

    public async Task<WriteOutcome> ReplaceAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        return await StoreWrites.ReplaceAsync(table, ToEntity(tenant), tenant.ETag, cancellationToken, isWitness: true);
    }

    public async Task<Operator?> GetOperatorAsync(TenantId tenant, OperatorId id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, OperatorRowPrefix + id.Value, cancellationToken: cancellationToken);
        return response.HasValue ? ToOperator(response.Value!) : null;
    }

    public async Task<WriteOutcome> AddOperatorAsync(Operator op, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        return await StoreWrites.AddAsync(table, ToEntity(op), cancellationToken);
    }

    public async Task<WriteOutcome> ReplaceOperatorAsync(Operator op, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        return await StoreWrites.ReplaceAsync(table, ToEntity(op), op.ETag, cancellationToken, isWitness: true);
    }

    /// <summary>Deletes an operator read through <see cref="GetOperatorAsync"/> (only if unchanged since) with the event that records it.</summary>
    public async Task<WriteOutcome> DeleteOperatorAsync(Operator op, AuditEvent audit, CancellationToken cancellationToken)
    {
        var recorded = await audits.PrepareAsync(audit, cancellationToken);
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var delete = new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(op.TenantId.Value, OperatorRowPrefix + op.Id.Value), op.ETag);

        // Not found: gone, which is what was asked (deleted by another request, which recorded it, or by this one when
        // its answer was lost and the SDK's retry met the result).
        return recorded.Committed(await StoreWrites.SubmitAsync(table, [delete, .. recorded.Actions], cancellationToken, witness: recorded.Witness)) switch
        {
            WriteOutcome.NotFound => WriteOutcome.Done,
            var outcome => outcome,
        };
    }

    public async Task<Page<Operator>> ListOperatorsAsync(TenantId tenant, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {OperatorRowPrefix} and RowKey lt {OperatorRowEnd}");
        return await StoreWrites.ReadPageAsync(table, filter, pageSize, storageToken, ToOperator, cancellationToken);
    }

    private static TableEntity ToEntity(Tenant t) => new(t.Id.Value, TenantRow)
    {
        ["Name"] = t.Name,
        ["Plan"] = t.Plan,
        ["ApiEnabled"] = t.ApiEnabled,
        ["RateLimitPerHour"] = t.RateLimitPerHour,
        ["StaleAfterDays"] = t.StaleAfterDays,
        ["AutoRevokeStale"] = t.AutoRevokeStale,
        ["DefaultKeyLifetimeDays"] = t.DefaultKeyLifetimeDays,
        ["MaxKeyLifetimeDays"] = t.MaxKeyLifetimeDays,
        ["ExpiringSoonDays"] = t.ExpiringSoonDays,
        ["TokenLifetimeMinutes"] = t.TokenLifetimeMinutes,
        ["CreatedAt"] = t.CreatedAt,
        ["UpdatedAt"] = t.UpdatedAt,
    };

    private static Tenant ToTenant(TableEntity e)
    {
        return new Tenant
        {
            Id = TenantId.FromStorage(e.PartitionKey),
            Name = e.GetString("Name"),
            Plan = e.GetString("Plan"),
            ApiEnabled = e.GetBoolean("ApiEnabled") ?? false,
            RateLimitPerHour = e.GetInt32("RateLimitPerHour") ?? 1000,
            StaleAfterDays = e.GetInt32("StaleAfterDays") ?? 90,
            AutoRevokeStale = e.GetBoolean("AutoRevokeStale") ?? false,
            DefaultKeyLifetimeDays = e.GetInt32("DefaultKeyLifetimeDays") ?? 90,
            MaxKeyLifetimeDays = e.GetInt32("MaxKeyLifetimeDays") ?? 365,
            ExpiringSoonDays = e.GetInt32("ExpiringSoonDays") ?? 7,
            TokenLifetimeMinutes = e.GetInt32("TokenLifetimeMinutes") ?? 60,
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            UpdatedAt = e.GetDateTimeOffset("UpdatedAt") ?? default,
            ETag = e.ETag,
        };
    }

    private static TableEntity ToEntity(Operator o) => new(o.TenantId.Value, OperatorRowPrefix + o.Id.Value)
    {
        ["DisplayName"] = o.DisplayName,
        ["Role"] = o.Role.ToString(),
        ["Permissions"] = Security.Scopes.Join(o.Permissions),
        ["CreatedAt"] = o.CreatedAt,
        ["UpdatedAt"] = o.UpdatedAt,
    };

    private static Operator ToOperator(TableEntity e)
    {
        return new Operator
        {
            TenantId = TenantId.FromStorage(e.PartitionKey),
            Id = OperatorId.FromStorage(e.RowKey[OperatorRowPrefix.Length..]),
            DisplayName = e.GetString("DisplayName"),
            Role = Enum.Parse<OperatorRole>(e.GetString("Role")),
            Permissions = StoreWrites.SplitSet(e.GetString("Permissions")),
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            UpdatedAt = e.GetDateTimeOffset("UpdatedAt") ?? default,
            ETag = e.ETag,
        };
    }
}
