using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Audit;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.Security;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// The benchmark row of webhooks (run by <c>bench/webhooks.sh</c>): a burst of lifecycle events (by default 10,000
/// keys of 100 tenants expiring at once) delivered to a local receiver, from the start of the lifecycle run to the last
/// delivery; the time, and the storage requests per event by table and kind. Each event must arrive exactly once,
/// signed with its endpoint's secret. A long test: <c>SERVERLESSAUTH_LONG_TESTS=1</c>; size with
/// <c>SERVERLESSAUTH_WEBHOOK_BENCH_KEYS</c> and <c>…_TENANTS</c>.
/// </summary>
public sealed class WebhookBurstBenchmark(ITestOutputHelper output)
{
    [LongFact]
    public async Task ExpiryBurst_IsDeliveredOnceEachAndMeasured()
    {
        var keys = int.Parse(Environment.GetEnvironmentVariable("SERVERLESSAUTH_WEBHOOK_BENCH_KEYS") ?? "10000", System.Globalization.CultureInfo.InvariantCulture);
        var tenants = int.Parse(Environment.GetEnvironmentVariable("SERVERLESSAUTH_WEBHOOK_BENCH_TENANTS") ?? "100", System.Globalization.CultureInfo.InvariantCulture);

        // The baseline: the same run with endpoints that take no event of it (key.revoked only), so nothing is sent.
        var baseline = Environment.GetEnvironmentVariable("SERVERLESSAUTH_WEBHOOK_BENCH_BASELINE") == "1";
        await using var azurite = await AzuriteServer.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new TestApp(azurite.ConnectionString, time, WebhookTestHost.Settings(new Dictionary<string, string?>
        {
            ["ServerlessAuth:Webhooks:PollInterval"] = "00:00:00.2",

            // A shared 2-core machine: one Azurite request can wait seconds under a burst (as in production a slow
            // request is retried; here it would only fail the measurement).
            ["ServerlessAuth:Storage:RequestTimeout"] = "00:00:30",
        }))
        { RunsWebhookDelivery = true };
        await using var receiver = await WebhookReceiver.StartNewAsync(time);

        // Tenants, each with an endpoint taking key.expired only, and their keys written through the library (issuing
        // 10,000 keys over HTTP would measure the seeding).
        var secrets = new Dictionary<string, string>();
        var ids = new List<string>();
        for (var t = 0; t < tenants; t++)
        {
            ids.Add((string)(await app.CreateTenantAsync())["id"]!);
            await app.PutOperatorAsync(ids[^1], "owner", "owner", "a");
            var (_, secret) = await WebhookTestHost.CreateEndpointAsync(app, ids[^1], receiver.Url("/" + ids[^1]), [baseline ? "key.revoked" : "key.expired"]);
            secrets["/" + ids[^1]] = secret;
        }

        var seeding = Stopwatch.StartNew();
        var store = app.Get<ApiKeyStore>();
        var format = app.Get<ApiKeyFormat>();
        var now = time.GetUtcNow();
        var expiries = new ConcurrentBag<DueEntry>();
        Assert.True(OperatorId.TryParse("owner", out var op));

        // Keys are granted as the key handler grants them: stamped with their operator's generation, behind its fence.
        var operators = new Dictionary<string, Operator>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            Assert.True(TenantId.TryParse(id, out var tenant));
            operators[id] = (await app.Get<TenantStore>().GetOperatorAsync(tenant, op, CancellationToken.None))!;
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, keys), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            Assert.True(TenantId.TryParse(ids[i % tenants], out var tenantId));
            var owner = operators[ids[i % tenants]];
            var secret = format.Create(tenantId);
            var key = new ApiKey
            {
                TenantId = tenantId,
                Id = ApiKeyId.New(),
                OperatorId = op,
                Name = "bench",
                Scopes = new HashSet<string>(StringComparer.Ordinal) { "a" },
                Status = ApiKeyStatus.Active,
                Hint = format.Hint(secret),
                SecretDigest = SecretDigest.Compute(secret),
                CreatedAt = now,
                ExpiresAt = now.AddHours(1),
                OperatorGeneration = owner.Generation,
            };
            var audit = new AuditEvent { TenantId = tenantId, At = now, Type = AuditEventTypes.KeyIssued, Actor = "admin", CredentialId = key.Id.Value, Hint = key.Hint };
            Assert.Equal(WriteOutcome.Done, await store.AddAsync(key, audit, TenantStore.GrantGuard(owner, now), ct));
            expiries.Add(new DueEntry(DueKind.Expire, key.ExpiresAt, tenantId, key.Id.Value));
        });

        // Only the expiry entries (issuing indexes "expiring soon" and staleness too, which would make the run do more
        // than the burst), written a hundred per transaction, one transaction at a time.
        foreach (var chunk in expiries.Chunk(StoreWrites.MaxTransactionActions))
        {
            await app.Get<DueStore>().PutAllAsync(chunk, CancellationToken.None);
        }
        output.WriteLine($"seeded {keys} keys in {tenants} tenants in {seeding.Elapsed.TotalSeconds:F1} s");

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        using var counter = new RequestsByTable(app.Services);
        var clock = Stopwatch.StartNew();
        var report = (await app.Get<LifecycleRunner>().RunAsync(CancellationToken.None))!;
        var jobSeconds = clock.Elapsed.TotalSeconds;
        var received = baseline ? [] : await receiver.WaitUntilAsync(got => got.Count >= keys, TimeSpan.FromMinutes(20));
        var totalSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(keys, report.Expired);
        Assert.Equal(baseline ? 0 : keys, receiver.Received.Count);
        Assert.Equal(baseline ? 0 : keys, receiver.Received.Select(w => w.Id).Distinct().Count());
        Assert.All(received, w => Assert.True(w.IsSignedWith(secrets[w.Path])));

        var requests = counter.Snapshot();
        var total = requests.Values.Sum();
        output.WriteLine($"RESULT baseline={baseline} events={keys} tenants={tenants} lifecycleRun={jobSeconds:F1}s lastDelivery={totalSeconds:F1}s " +
            $"eventsPerSecond={keys / totalSeconds:F0} storageRequests={total} perEvent={(double)total / keys:F2} queued_by_closing_sweep={report.WebhookMessagesQueued}");
        foreach (var ((table, kind), count) in requests.OrderBy(r => r.Key.Table, StringComparer.Ordinal).ThenBy(r => r.Key.Kind, StringComparer.Ordinal))
        {
            output.WriteLine($"RESULT   {table,-40} {kind,-6} {count,7} {(double)count / keys,6:F2}/event");
        }
    }

    /// <summary>Storage requests of one host by table (or queue) and kind, from its <c>serverlessauth.storage.requests</c> metric.</summary>
    private sealed class RequestsByTable : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<(string Table, string Kind), long> _counts = new();

        public RequestsByTable(IServiceProvider services)
        {
            var factory = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == StorageMetrics.CounterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string table = "", kind = "";
                foreach (var tag in tags)
                {
                    (table, kind) = tag.Key switch
                    {
                        "table" => ((string)tag.Value!, kind),
                        "kind" => (table, (string)tag.Value!),
                        _ => (table, kind),
                    };
                }

                // Table names carry the host's random prefix: drop it so the lines read the same in every run.
                _counts.AddOrUpdate((System.Text.RegularExpressions.Regex.Replace(table, "^(queue:)?t[0-9a-f]{12}", "$1"), kind), value, (_, c) => c + value);
            });
            _listener.Start();
        }

        public Dictionary<(string Table, string Kind), long> Snapshot() => new(_counts);

        public void Dispose() => _listener.Dispose();
    }
}
