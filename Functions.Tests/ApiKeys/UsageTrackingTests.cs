using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.ApiKeys;

/// <summary>Last-used and daily counts: coalesced, one storage write per key per flush, nothing lost or doubled.</summary>
public sealed class UsageTrackingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 4, 10, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    // Rate limiting off: these tests count usage writes alone (the limiter's own cost is tested beside it).
    private static readonly Dictionary<string, string?> NoRateLimit = new() { ["ServerlessAuth:RateLimiting:Enabled"] = "false" };

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time, NoRateLimit);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task ValidateManyAsync(string key, int count)
    {
        var client = _app.ClientWith(key);
        for (var i = 0; i < count; i += 50)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, Math.Min(50, count - i)).Select(_ => client.PostAsync("/api/v1/validate", null)));
            Assert.All(batch, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }
    }

    [Fact]
    public async Task Validations_CostNoWriteUntilTheFlushAndOneTransactionThen()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
        using var counter = new StorageRequestCounter(_app.Services);

        _time.Advance(TimeSpan.FromHours(2));
        await ValidateManyAsync(key, 2000);
        Assert.Equal(0, counter.Writes);

        await _app.Get<UsageRecorder>().FlushAsync(default);

        // One transaction (last-used on both key rows + the daily counter), and the first use moves the key's
        // staleness index entry (one upsert, one delete): that happens once per key per day of use.
        Assert.Equal(3, counter.Writes);

        counter.Reset();
        _time.Advance(TimeSpan.FromMinutes(1));
        await ValidateManyAsync(key, 2000);
        await _app.Get<UsageRecorder>().FlushAsync(default);
        Assert.Equal(1, counter.Writes);

        var read = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        Assert.Equal(_time.GetUtcNow(), DateTimeOffset.Parse((string)read["lastUsedAt"]!, System.Globalization.CultureInfo.InvariantCulture));

        var usage = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={keyId}");
        var day = Assert.Single(usage["items"]!.AsArray());
        Assert.Equal(4000, (long)day!["count"]!);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse((string)day["at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Flush_CountsEachDaySeparatelyAcrossMidnight()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
        await ValidateManyAsync(key, 3);
        _time.Advance(TimeSpan.FromDays(1));
        await ValidateManyAsync(key, 5);
        await _app.Get<UsageRecorder>().FlushAsync(default);

        var usage = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={keyId}");
        Assert.Equal([5L, 3L], usage["items"]!.AsArray().Select(d => (long)d!["count"]!));
    }

    [Fact]
    public async Task TwoInstances_AddTheirCountsWithoutLosingOrDoublingAny()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
        await using var second = await TestApp.StartAsync(_time, NoRateLimit, tablePrefix: _app.TablePrefix);

        await ValidateManyAsync(key, 300);
        var client = second.ClientWith(key);
        for (var i = 0; i < 200; i++)
        {
            using var response = await client.PostAsync("/api/v1/validate", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Task.WhenAll(_app.Get<UsageRecorder>().FlushAsync(default), second.Get<UsageRecorder>().FlushAsync(default));

        var usage = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={keyId}");
        Assert.Equal(500, (long)Assert.Single(usage["items"]!.AsArray())!["count"]!);
    }

    [Fact]
    public async Task TwoInstances_FlushingTheSameCountAtOnce_AddBoth()
    {
        // Both instances send the very same counter row (count 0 + 1): the second write's refusal must not be taken for
        // a retry of its own that landed, which would drop one use.
        await using var second = await TestApp.StartAsync(_time, NoRateLimit, tablePrefix: _app.TablePrefix);
        for (var round = 0; round < 10; round++)
        {
            var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
            foreach (var host in new[] { _app, second })
            {
                using var response = await host.ClientWith(key).PostAsync("/api/v1/validate", null);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await Task.WhenAll(_app.Get<UsageRecorder>().FlushAsync(default), second.Get<UsageRecorder>().FlushAsync(default));

            var usage = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={keyId}");
            Assert.Equal(2, (long)Assert.Single(usage["items"]!.AsArray())!["count"]!);
        }
    }

    [Fact]
    public async Task Flush_KeepsTheUsageForTheNextFlushWhenStorageIsDown()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var app = new TestApp(azurite.ConnectionString, _time);
        var (_, key, _) = await app.SeedAsync("owner", "a");
        var client = app.ClientWith(key);
        for (var i = 0; i < 7; i++)
        {
            using var response = await client.PostAsync("/api/v1/validate", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        azurite.Kill();
        await Assert.ThrowsAnyAsync<Exception>(() => app.Get<UsageRecorder>().FlushAsync(default));
        await Assert.ThrowsAnyAsync<Exception>(() => app.Get<UsageRecorder>().FlushAsync(default));

        Assert.Equal(1, app.Get<UsageRecorder>().PendingCount);
    }
}
