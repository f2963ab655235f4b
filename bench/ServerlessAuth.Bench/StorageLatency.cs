using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace ServerlessAuth.Bench;

/// <summary>
/// The same-run baseline of the lifecycle scenario: the latency of single Table Storage requests, one at a time,
/// against the tables as they stand (measured right before each timed lifecycle run, so at ~1k and at ~100k stored
/// keys). Point reads of stored <c>key|</c> rows of the <c>Tenants</c> table, and writes (an insert and a delete of a
/// scratch row) in the <c>Tenants</c> and <c>Due</c> tables, the two tables the job writes. If the emulator itself
/// gets slower per request as its tables grow, the lifecycle ratio carries that factor; this measures it.
/// </summary>
internal static class StorageLatency
{
    private const string ScratchPartition = "bench-latency";

    public static async Task<int> RunAsync(string connectionString, int samples)
    {
        var service = new TableServiceClient(connectionString);
        var tenants = service.GetTableClient("Tenants");
        var due = service.GetTableClient("Due");

        // Up to 2,000 stored key rows to read, spread over the table (one page-sized query, not timed).
        var rows = new List<(string Partition, string Row)>();
        var filter = TableClient.CreateQueryFilter($"RowKey ge {"key|"} and RowKey lt {"key}"}");
        await foreach (var e in tenants.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"]))
        {
            rows.Add((e.PartitionKey, e.RowKey));
            if (rows.Count == 2000)
            {
                break;
            }
        }

        if (rows.Count == 0)
        {
            Console.Error.WriteLine("no key| rows to read");
            return 1;
        }

        // Warm-up (connection, JIT), then the measured samples.
        await MeasureAsync(tenants, due, rows, 20);
        var (reads, tenantWrites, dueWrites) = await MeasureAsync(tenants, due, rows, samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"samples\":{samples},\"readMedianMs\":{Median(reads):F3},\"readMeanMs\":{reads.Average():F3},\"tenantsWriteMedianMs\":{Median(tenantWrites):F3},\"tenantsWriteMeanMs\":{tenantWrites.Average():F3},\"dueWriteMedianMs\":{Median(dueWrites):F3},\"dueWriteMeanMs\":{dueWrites.Average():F3}}}"));
        return 0;
    }

    private static async Task<(List<double> Reads, List<double> TenantWrites, List<double> DueWrites)> MeasureAsync(
        TableClient tenants, TableClient due, List<(string Partition, string Row)> rows, int samples)
    {
        var reads = new List<double>(samples);
        var tenantWrites = new List<double>(samples * 2);
        var dueWrites = new List<double>(samples * 2);
        for (var i = 0; i < samples; i++)
        {
            var (partition, row) = rows[Random.Shared.Next(rows.Count)];
            reads.Add(await TimeAsync(() => tenants.GetEntityIfExistsAsync<TableEntity>(partition, row)));
            await WriteAsync(tenants, i, tenantWrites);
            await WriteAsync(due, i, dueWrites);
        }

        return (reads, tenantWrites, dueWrites);
    }

    private static async Task WriteAsync(TableClient table, int i, List<double> samples)
    {
        var entity = new TableEntity(ScratchPartition, "row" + i.ToString(CultureInfo.InvariantCulture)) { ["Value"] = i };
        samples.Add(await TimeAsync(() => table.UpsertEntityAsync(entity, TableUpdateMode.Replace)));
        samples.Add(await TimeAsync(() => table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ETag.All)));
    }

    private static async Task<double> TimeAsync<T>(Func<Task<T>> request)
    {
        var started = Stopwatch.GetTimestamp();
        await request();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
