using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;

namespace ServerlessAuth.Bench;

/// <summary>
/// The baseline of the cache-miss scenario: point reads of the stored <c>secret|</c> rows (what a validation miss
/// reads) straight from Azurite with Azure.Data.Tables, at the same concurrency as wrk, for a fixed time.
/// </summary>
internal static class PointReads
{
    public static async Task<int> RunAsync(string connectionString, int concurrency, int seconds)
    {
        var table = new TableServiceClient(connectionString).GetTableClient("Tenants");
        var rows = new List<(string Partition, string Row)>();
        var filter = TableClient.CreateQueryFilter($"RowKey ge {"secret|"} and RowKey lt {"secret}"}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"]))
        {
            rows.Add((e.PartitionKey, e.RowKey));
        }

        if (rows.Count == 0)
        {
            Console.Error.WriteLine("no secret| rows to read");
            return 1;
        }

        rows = [.. rows.OrderBy(_ => Random.Shared.Next())];

        // Warm-up (connections, JIT), then the measured window.
        await LoopAsync(table, rows, concurrency, TimeSpan.FromSeconds(3));
        var watch = Stopwatch.StartNew();
        var (reads, missing) = await LoopAsync(table, rows, concurrency, TimeSpan.FromSeconds(seconds));
        var elapsed = watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"reads\":{reads},\"missing\":{missing},\"seconds\":{elapsed:F3},\"readsPerSecond\":{reads / elapsed:F1},\"concurrency\":{concurrency},\"distinctRows\":{rows.Count}}}"));
        return missing == 0 ? 0 : 1;
    }

    private static async Task<(long Reads, long Missing)> LoopAsync(TableClient table, List<(string Partition, string Row)> rows, int concurrency, TimeSpan duration)
    {
        long reads = 0;
        long missing = 0;
        long next = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var (partition, row) = rows[(int)(Interlocked.Increment(ref next) % rows.Count)];
                var response = await table.GetEntityIfExistsAsync<TableEntity>(partition, row);
                Interlocked.Increment(ref reads);
                if (!response.HasValue)
                {
                    Interlocked.Increment(ref missing);
                }
            }
        }));
        return (reads, missing);
    }
}
