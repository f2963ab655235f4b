using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Audit;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Storage;

/// <summary>
/// Tenants and operators in the <c>Tenants</c> table: partition = tenant id; row <c>tenant</c> for the tenant,
/// <c>operator|{id}</c> for each operator, and <c>fence|{id}|{generation}</c>, its grant fence (<see cref="GrantGuard"/>).
/// </summary>
internal sealed class TenantStore(TableStorage storage, AuditStore audits)
{
    private const string TenantRow = "tenant";
    private const string OperatorRowPrefix = "operator|";

    // '}' is the character after '|': the row range of every operator of a partition.
    private const string OperatorRowEnd = "operator}";

    // Outside every listed range (operators, keys, apps, audit): see GrantGuard.
    private const string FenceRowPrefix = "fence|";

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

    /// <summary>Stores a new operator (with a <see cref="Operator.Generation"/>) and its grant fence, in one transaction.</summary>
    public async Task<WriteOutcome> AddOperatorAsync(Operator op, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var row = ToEntity(op);
        return await StoreWrites.SubmitAsync(table, [new(TableTransactionActionType.Add, row), new(TableTransactionActionType.Add, Fence(op))], cancellationToken, witness: row);
    }

    /// <summary>
    /// Replaces an operator read through <see cref="GetOperatorAsync"/>, only if unchanged since. With
    /// <paramref name="newFence"/> (its generation is new: a row stored before generations existed, or an operator put
    /// again after a removal that did not finish), its grant fence is created in the same transaction.
    /// </summary>
    public async Task<WriteOutcome> ReplaceOperatorAsync(Operator op, bool newFence, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        if (!newFence)
        {
            return await StoreWrites.ReplaceAsync(table, ToEntity(op), op.ETag, cancellationToken, isWitness: true);
        }

        var row = ToEntity(op);
        return await StoreWrites.SubmitAsync(
            table, [new(TableTransactionActionType.UpdateReplace, row, op.ETag), new(TableTransactionActionType.Add, Fence(op))], cancellationToken, witness: row);
    }

    /// <summary>
    /// <paramref name="op"/>, about to be granted a key or an app, with its generation and grant fence: an operator
    /// stored before generations existed gets them first (and is read again). Null when it is gone or being removed.
    /// </summary>
    public async Task<Operator?> WithGenerationAsync(Operator op, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (op.Removing || op.Generation is not null)
            {
                return op.Removing ? null : op;
            }

            await AddGenerationAsync(op, cancellationToken);
            if (await GetOperatorAsync(op.TenantId, op.Id, cancellationToken) is not { } current)
            {
                return null;
            }

            op = current;
        }

        throw new ServiceUnavailableException($"Operator {op.Id.Value} kept changing while it was given a generation.");
    }

    /// <summary>
    /// Gives an operator stored before generations existed its generation and grant fence, only if it is unchanged
    /// since it was read (so never to an operator being removed).
    /// </summary>
    private async Task<WriteOutcome> AddGenerationAsync(Operator op, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var generation = Operator.NewGeneration();
        var row = new TableEntity(op.TenantId.Value, OperatorRowPrefix + op.Id.Value) { ["Generation"] = generation };
        return await StoreWrites.SubmitAsync(
            table,
            [new(TableTransactionActionType.UpdateMerge, row, op.ETag), new(TableTransactionActionType.Add, Fence(op with { Generation = generation }))],
            cancellationToken);
    }

    /// <summary>
    /// The first step of a removal: marks the operator as being removed and deletes its grant fence, in one transaction
    /// guarded by the operator's ETag. From then on no grant to it can land (<see cref="GrantGuard"/>).
    /// </summary>
    public async Task<WriteOutcome> MarkRemovingAsync(Operator op, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var row = ToEntity(op with { Removing = true, UpdatedAt = at });
        IReadOnlyList<TableTransactionAction> actions = op.Generation is null
            ? [new(TableTransactionActionType.UpdateReplace, row, op.ETag)]
            : [new(TableTransactionActionType.UpdateReplace, row, op.ETag), new(TableTransactionActionType.Delete, Fence(op), ETag.All)];
        return await StoreWrites.SubmitAsync(table, actions, cancellationToken, witness: row);
    }

    /// <summary>
    /// The action that makes a grant (a key or an app of <paramref name="op"/>) atomic with the operator's removal: a
    /// merge into the operator's grant fence, <c>fence|{operatorId}|{generation}</c>, in the grant's own transaction
    /// (same partition). The fence exists from the operator's creation until the first step of its removal deletes it,
    /// so a grant racing a removal (or the operator's re-creation under a new generation) fails as a whole: a grant
    /// either landed before the removal looked for the operator's keys and apps, or not at all. The merge is
    /// unconditional (<c>*</c>): grants never conflict with each other, nor with changes of the operator row.
    /// </summary>
    public static TableTransactionAction GrantGuard(Operator op, DateTimeOffset at)
    {
        var fence = Fence(op);
        fence["GrantedAt"] = at;
        return new TableTransactionAction(TableTransactionActionType.UpdateMerge, fence, ETag.All);
    }

    private static TableEntity Fence(Operator op) =>
        new(op.TenantId.Value, $"{FenceRowPrefix}{op.Id.Value}|{op.Generation ?? throw new InvalidOperationException("An operator without a generation has no grant fence.")}");

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
        ["Generation"] = o.Generation,
        ["Removing"] = o.Removing ? true : null,
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
            Generation = e.GetString("Generation"),
            Removing = e.GetBoolean("Removing") ?? false,
            ETag = e.ETag,
        };
    }
}
