using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Storage;

/// <summary>
/// App registrations in the <c>Tenants</c> table, in their tenant's partition, one row <c>app|{appId}</c> that
/// also holds the digests of the app's secrets (at most two active), so that checking a client's credentials is
/// one point read and every change is one ETag-guarded replace. Beside it, the <c>AppIndex</c> table holds the
/// immutable pointer app id → tenant id (PK = app id), written before the app row and never changed.
/// </summary>
internal sealed class AppStore(TableStorage storage, AuditStore audits)
{
    private const string AppRowPrefix = "app|";
    private const string AppRowEnd = "app}";
    private const string IndexRow = "tenant";

    /// <summary>How <see cref="App.CreatedBy"/> names an operator (the audit actor).</summary>
    private const string OperatorActorPrefix = "operator:";

    /// <summary>The tenant an app id belongs to: one point read of the immutable index.</summary>
    public async Task<AppLocation?> FindTenantAsync(AppId id, CancellationToken cancellationToken)
    {
        var index = await storage.GetAsync(TableStorage.AppIndex, cancellationToken);
        var response = await index.GetEntityIfExistsAsync<TableEntity>(id.Value, IndexRow, cancellationToken: cancellationToken);
        return response.HasValue ? new AppLocation(id, TenantId.FromStorage(response.Value!.GetString("TenantId"))) : null;
    }

    /// <summary>
    /// Stores a new app: index first, then the app row together with the event that records it and, for an app an
    /// operator registers, that operator's guard (<see cref="TenantStore.GrantGuard"/>), in one transaction.
    /// A failure in between leaves an index row pointing at no app, which answers like an unknown app; the secret
    /// is shown only once both are written.
    /// </summary>
    public async Task<WriteOutcome> AddAsync(App app, AuditEvent audit, TableTransactionAction? operatorGuard, CancellationToken cancellationToken)
    {
        var index = await storage.GetAsync(TableStorage.AppIndex, cancellationToken);
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        if (await StoreWrites.AddAsync(index, new TableEntity(app.Id.Value, IndexRow) { ["TenantId"] = app.TenantId.Value }, cancellationToken) != WriteOutcome.Done)
        {
            return WriteOutcome.Conflict;
        }

        var recorded = await audits.PrepareAsync(audit, cancellationToken);
        var row = ToEntity(app);
        IReadOnlyList<TableTransactionAction> actions = operatorGuard is null
            ? [new(TableTransactionActionType.Add, row), .. recorded.Actions]
            : [new(TableTransactionActionType.Add, row), .. recorded.Actions, operatorGuard];
        return recorded.Committed(await StoreWrites.SubmitAsync(table, actions, cancellationToken, witness: row));
    }

    public async Task<App?> GetAsync(TenantId tenant, AppId id, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(tenant.Value, AppRowPrefix + id.Value, cancellationToken: cancellationToken);
        return response.HasValue ? ToApp(response.Value!) : null;
    }

    /// <summary>
    /// Replaces an app read through <see cref="GetAsync"/>, only if it is unchanged since, together with the event
    /// that records the change (one transaction: both or neither).
    /// </summary>
    public async Task<WriteOutcome> ReplaceAsync(App app, AuditEvent? audit, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        if (audit is null)
        {
            return await StoreWrites.ReplaceAsync(table, ToEntity(app), app.ETag, cancellationToken);
        }

        var recorded = await audits.PrepareAsync(audit, cancellationToken);
        return recorded.Committed(await StoreWrites.SubmitAsync(
            table, [new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(app), app.ETag), .. recorded.Actions], cancellationToken, witness: recorded.Witness));
    }

    /// <summary>
    /// Deletes an ended app read through <see cref="GetAsync"/> (only if unchanged since), then its id pointer. A
    /// failure in between leaves a pointer to no app, which answers like an unknown app.
    /// </summary>
    public async Task<WriteOutcome> DeleteAsync(App app, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(app.TenantId.Value, AppRowPrefix + app.Id.Value, app.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return e.Status == 404 ? WriteOutcome.NotFound : WriteOutcome.Conflict;
        }

        var index = await storage.GetAsync(TableStorage.AppIndex, cancellationToken);
        try
        {
            await index.DeleteEntityAsync(app.Id.Value, IndexRow, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        return WriteOutcome.Done;
    }

    public async Task<Page<App>> ListAsync(TenantId tenant, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {AppRowPrefix} and RowKey lt {AppRowEnd}");
        return await StoreWrites.ReadPageAsync(table, filter, pageSize, storageToken, ToApp, cancellationToken);
    }

    /// <summary>
    /// One page of the apps <paramref name="op"/> registered (a filtered query of the tenant's partition), also those
    /// stored before <c>RegisteredBy</c> existed, found by their <c>CreatedBy</c>.
    /// </summary>
    public async Task<Page<App>> ListRegisteredByAsync(TenantId tenant, OperatorId op, int pageSize, string? storageToken, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(TableStorage.Tenants, cancellationToken);
        var actor = OperatorActorPrefix + op.Value;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant.Value} and RowKey gt {AppRowPrefix} and RowKey lt {AppRowEnd} and (RegisteredBy eq {op.Value} or CreatedBy eq {actor})");
        return await StoreWrites.ReadPageAsync(table, filter, pageSize, storageToken, ToApp, cancellationToken);
    }

    private static TableEntity ToEntity(App a) => new(a.TenantId.Value, AppRowPrefix + a.Id.Value)
    {
        ["AppId"] = a.Id.Value,
        ["Name"] = a.Name,
        ["Description"] = a.Description,
        ["Scopes"] = Security.Scopes.Join(a.Scopes),
        ["Status"] = a.Status.ToString(),
        ["Secrets"] = JsonSerializer.Serialize(
            [.. a.Secrets.Select(s => new StoredSecret(s.Id.Value, s.Digest, s.CreatedAt, s.ExpiresAt, s.LastUsedAt))],
            StorageJsonContext.Default.ListStoredSecret),
        ["CreatedAt"] = a.CreatedAt,
        ["CreatedBy"] = a.CreatedBy,
        ["RegisteredBy"] = a.RegisteredBy?.Value,
        ["RegistrantGeneration"] = a.RegistrantGeneration,
        ["RevokedAt"] = a.RevokedAt,
        ["RevokedBy"] = a.RevokedBy,
        ["ExpiresAt"] = a.ExpiresAt,
    };

    private static App ToApp(TableEntity e)
    {
        var secrets = JsonSerializer.Deserialize(e.GetString("Secrets") ?? "[]", StorageJsonContext.Default.ListStoredSecret) ?? [];
        return new App
        {
            TenantId = TenantId.FromStorage(e.PartitionKey),
            Id = AppId.FromStorage(e.GetString("AppId")),
            Name = e.GetString("Name"),
            Description = e.GetString("Description"),
            Scopes = StoreWrites.SplitSet(e.GetString("Scopes")),
            Status = Enum.Parse<AppStatus>(e.GetString("Status")),
            Secrets = [.. secrets.Select(s => new AppSecret
            {
                Id = AppSecretId.FromStorage(s.Id),
                Digest = s.Digest,
                CreatedAt = s.CreatedAt,
                ExpiresAt = s.ExpiresAt,
                LastUsedAt = s.LastUsedAt,
            })],
            CreatedAt = e.GetDateTimeOffset("CreatedAt") ?? default,
            CreatedBy = e.GetString("CreatedBy") ?? "",
            RegisteredBy = RegistrantOf(e),
            RegistrantGeneration = e.GetString("RegistrantGeneration"),
            RevokedAt = e.GetDateTimeOffset("RevokedAt"),
            RevokedBy = e.GetString("RevokedBy"),
            ExpiresAt = e.GetDateTimeOffset("ExpiresAt"),
            ETag = e.ETag,
        };
    }

    /// <summary>
    /// The operator who registered an app: its <c>RegisteredBy</c>, or, for apps stored before that existed, the
    /// operator its <c>CreatedBy</c> names (so that they too follow their registrant's permissions and end with it).
    /// </summary>
    private static OperatorId? RegistrantOf(TableEntity e) =>
        e.GetString("RegisteredBy") is { } registeredBy ? OperatorId.FromStorage(registeredBy)
        : e.GetString("CreatedBy") is { } createdBy && createdBy.StartsWith(OperatorActorPrefix, StringComparison.Ordinal) && OperatorId.TryParse(createdBy[OperatorActorPrefix.Length..], out var op) ? op
        : null;
}

/// <summary>Where an app lives: its id and its tenant (the partition of its row).</summary>
internal sealed record AppLocation(AppId AppId, TenantId TenantId);

/// <summary>One secret inside the app row's <c>Secrets</c> property.</summary>
internal sealed record StoredSecret(string Id, string Digest, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt);

/// <summary>JSON of values stored inside table properties.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<StoredSecret>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
