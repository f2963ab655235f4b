using System.Globalization;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Storage;

/// <summary>What a lifecycle index entry asks the job to look at.</summary>
internal enum DueKind
{
    Expire,
    ExpiringSoon,

    /// <summary>A tenant shortened <c>staleAfterDays</c>: its active keys' staleness entries move earlier (before <see cref="Stale"/> is read).</summary>
    StalePolicy,
    Stale,
    Purge,

    /// <summary>A tenant's audit events written on one day reach the audit retention period.</summary>
    AuditPurge,
}

/// <summary>One index entry: credential <see cref="CredentialId"/> of <see cref="TenantId"/> is due at <see cref="DueAt"/>.</summary>
internal sealed record DueEntry(DueKind Kind, DateTimeOffset DueAt, TenantId TenantId, string CredentialId);

/// <summary>
/// The lifecycle index, table <c>Due</c>: partition <c>{kind}|{yyyyMMdd}</c> (the day something falls due),
/// row <c>{due ticks}|{tenantId}|{credentialId}</c>. A run reads only today's (and any missed day's) partitions up to
/// now, so its cost follows what is due, not what is stored. Partition <c>cursor</c> holds, per kind, the first day
/// not yet fully processed.
/// </summary>
internal sealed class DueStore(TableStorage storage)
{
    public const string Table = "Due";
    private const string CursorPartition = "cursor";

    public static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseDay(string day) =>
        new(DateTime.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    /// <summary>
    /// Adds (or re-adds) several entries: one transaction per partition and hundred entries, a plain upsert for an
    /// entry alone in its partition. Upserts, so a retry or an overlapping run writes the same rows again.
    /// </summary>
    public async Task PutAllAsync(IEnumerable<DueEntry> entries, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        await Task.WhenAll(Batches(entries).Select(PutAsync));

        async Task PutAsync(TableEntity[] batch)
        {
            if (batch.Length == 1)
            {
                await table.UpsertEntityAsync(batch[0], TableUpdateMode.Replace, cancellationToken);
                return;
            }

            // Upserts neither conflict nor miss: anything but success is a fault.
            var actions = batch.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)).ToList();
            if (await StoreWrites.SubmitAsync(table, actions, cancellationToken) != WriteOutcome.Done)
            {
                throw new ServiceUnavailableException("The lifecycle index refused a batch of upserts.");
            }
        }
    }

    /// <summary>
    /// Removes several entries: one transaction per partition and hundred entries. A transaction fails whole if one
    /// of its entries is gone already (an overlapping run took it); that batch is then removed one by one.
    /// </summary>
    public async Task DeleteAllAsync(IEnumerable<DueEntry> entries, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        foreach (var batch in Batches(entries))
        {
            if (batch.Length > 1)
            {
                var actions = batch.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)).ToList();
                if (await StoreWrites.SubmitAsync(table, actions, cancellationToken) == WriteOutcome.Done)
                {
                    continue;
                }
            }

            foreach (var entity in batch)
            {
                await DeleteAsync(table, entity, cancellationToken);
            }
        }
    }

    /// <summary>Removes an entry; a missing one is fine (another run took it).</summary>
    public async Task DeleteAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        await DeleteAsync(table, ToEntity(entry), cancellationToken);
    }

    private static async Task DeleteAsync(TableClient table, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    /// <summary>Entities grouped by partition, at most one transaction's worth each.</summary>
    private static IEnumerable<TableEntity[]> Batches(IEnumerable<DueEntry> entries) =>
        entries.Select(ToEntity)
            .DistinctBy(e => (e.PartitionKey, e.RowKey))
            .GroupBy(e => e.PartitionKey, StringComparer.Ordinal)
            .SelectMany(g => g.Chunk(StoreWrites.MaxTransactionActions));

    /// <summary>The entries of one kind on one day that are due at <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<DueEntry>> ListDueAsync(DueKind kind, string day, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        var partition = Partition(kind, day);
        var upper = (now.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey lt {upper}");
        var entries = new List<DueEntry>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            var parts = entity.RowKey.Split('|');
            entries.Add(new DueEntry(kind, new DateTimeOffset(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.Zero), TenantId.FromStorage(parts[1]), parts[2]));
        }

        return entries;
    }

    public async Task<string?> GetCursorAsync(DueKind kind, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        var cursor = await table.GetEntityIfExistsAsync<TableEntity>(CursorPartition, kind.ToString(), cancellationToken: cancellationToken);
        return cursor.HasValue ? cursor.Value!.GetString("Day") : null;
    }

    /// <summary>Sets the cursor, never moving it back (an overlapping slower run would otherwise rewind it).</summary>
    public async Task AdvanceCursorAsync(DueKind kind, string day, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<TableEntity>(CursorPartition, kind.ToString(), cancellationToken: cancellationToken);
            var entity = new TableEntity(CursorPartition, kind.ToString()) { ["Day"] = day };
            try
            {
                if (!current.HasValue)
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }
                else if (string.CompareOrdinal(current.Value!.GetString("Day"), day) < 0)
                {
                    await table.UpdateEntityAsync(entity, current.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
            }
        }
    }

    /// <summary>Creates the cursor at <paramref name="day"/> if there is none (the index starts there).</summary>
    public async Task EnsureCursorAsync(DueKind kind, string day, CancellationToken cancellationToken)
    {
        var table = await storage.GetAsync(Table, cancellationToken);
        try
        {
            await table.AddEntityAsync(new TableEntity(CursorPartition, kind.ToString()) { ["Day"] = day }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
        }
    }

    private static string Partition(DueKind kind, string day) => $"{kind}|{day}";

    private static TableEntity ToEntity(DueEntry e) =>
        new(Partition(e.Kind, Day(e.DueAt)), $"{e.DueAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}|{e.TenantId.Value}|{e.CredentialId}");
}
