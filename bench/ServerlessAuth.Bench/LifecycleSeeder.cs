using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;

namespace ServerlessAuth.Bench;

/// <summary>
/// Seeds API keys for the lifecycle scenario straight into Table Storage, because issuing 100k keys through the
/// API takes far longer than the benchmark's seeding budget. Writes, per key, the two rows the library stores
/// (<c>key|{id}</c> and <c>secret|{sha256}</c> in the tenant's partition, as described in the README's table design)
/// and its expiry entry in the lifecycle index (<c>Due</c>, partition <c>Expire|{yyyyMMdd}</c>), in entity-group
/// transactions of up to 100 rows. <c>due</c> keys expire a few seconds ago (today), the others within a year.
/// </summary>
/// <remarks>
/// The rows mirror <c>ApiKeyStore</c>'s private mapping by hand; if that mapping changes, the lifecycle run fails
/// to read these keys and its report shows it (run.sh checks that <c>expired</c> equals <c>due</c>).
/// </remarks>
internal static class LifecycleSeeder
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static async Task<int> RunAsync(string connectionString, string tenantsFile, int stored, int due)
    {
        var service = new TableServiceClient(connectionString);
        var tenantsTable = service.GetTableClient("Tenants");
        var dueTable = service.GetTableClient("Due");
        await tenantsTable.CreateIfNotExistsAsync();
        await dueTable.CreateIfNotExistsAsync();
        var tenants = await File.ReadAllLinesAsync(tenantsFile);
        var watch = Stopwatch.StartNew();

        var now = DateTimeOffset.UtcNow;
        var startOfToday = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var keyRows = new List<TableEntity>(stored * 2);
        var dueRows = new List<TableEntity>(stored);
        for (var i = 0; i < stored; i++)
        {
            var tenant = tenants[i % tenants.Length];
            var id = "key_" + RandomBase62(20);
            var expiresAt = i < due
                ? Max(now.AddSeconds(-1 - (i % 30)), startOfToday)
                : now.AddDays(1 + Random.Shared.Next(365)).AddSeconds(Random.Shared.Next(86_400));
            var digest = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            keyRows.Add(KeyRow(tenant, "key|" + id, id, digest, now, expiresAt));
            keyRows.Add(KeyRow(tenant, "secret|" + digest, id, digest, now, expiresAt));
            var day = expiresAt.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            dueRows.Add(new TableEntity("Expire|" + day, $"{expiresAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}|{tenant}|{id}"));
        }

        var batches = Batches(keyRows).Select(b => (tenantsTable, b)).Concat(Batches(dueRows).Select(b => (dueTable, b))).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, ct) =>
            await batch.Item1.SubmitTransactionAsync(batch.b.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), ct));

        Console.WriteLine(FormattableString.Invariant(
            $"lifecycle-seed: {stored} keys ({due} due now) across {tenants.Length} tenants, {keyRows.Count + dueRows.Count} rows in {batches.Count} transactions, {watch.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    private static TableEntity KeyRow(string tenant, string rowKey, string id, string digest, DateTimeOffset now, DateTimeOffset expiresAt) => new(tenant, rowKey)
    {
        ["KeyId"] = id,
        ["OperatorId"] = "owner",
        ["Name"] = "seeded",
        ["Scopes"] = "contacts:read",
        ["Status"] = "Active",
        ["Hint"] = "sa_live_" + tenant + "_…" + digest[^4..],
        ["SecretDigest"] = digest,
        ["CreatedAt"] = now.AddDays(-30),
        ["ExpiresAt"] = expiresAt,
    };

    private static IEnumerable<List<TableEntity>> Batches(List<TableEntity> rows) =>
        rows.GroupBy(r => r.PartitionKey).SelectMany(g => g.Chunk(100).Select(c => c.ToList()));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string RandomBase62(int length) =>
        string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
}
