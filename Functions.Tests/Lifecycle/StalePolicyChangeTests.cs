using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Lifecycle;

/// <summary>A tenant changing <c>staleAfterDays</c> after its keys were issued: the job follows the new policy.</summary>
public sealed class StalePolicyChangeTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonObject> RunAsync() => await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/lifecycle/run");

    private async Task<(string Tenant, string KeyId)> SeedAsync(int staleAfterDays)
    {
        var tenant = (string)(await _app.CreateTenantAsync(extra: new { staleAfterDays }))["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var key = await _app.IssueKeyAsync(tenant, "alice", ["a"], _time.GetUtcNow().AddDays(200));
        return (tenant, (string)key["id"]!);
    }

    private async Task<JsonArray> StaleEventsAsync(string tenant) =>
        (await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=key.stale"))["items"]!.AsArray();

    [Fact]
    public async Task ShortenedStaleAfterDays_FlagsKeysIdleLongerThanTheNewPeriodAtTheNextRunAndOnlyOnce()
    {
        var (tenant, keyId) = await SeedAsync(staleAfterDays: 30);
        _time.Advance(TimeSpan.FromDays(10));
        Assert.Equal(0, (int)(await RunAsync())["flaggedStale"]!);

        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{tenant}", new { staleAfterDays = 5 });
        var run = await RunAsync();

        Assert.Equal(1, (int)run["keysReindexed"]!);
        Assert.Equal(1, (int)run["flaggedStale"]!);
        Assert.Equal(keyId, (string?)Assert.Single(await StaleEventsAsync(tenant))!["credentialId"]);

        // The entry written under the old policy comes due on day 30 and finds the key flagged already.
        _time.Advance(TimeSpan.FromDays(21));
        Assert.Equal(0, (int)(await RunAsync())["flaggedStale"]!);
        Assert.Single(await StaleEventsAsync(tenant));
    }

    [Fact]
    public async Task LengthenedStaleAfterDays_DoesNotFlagAtTheOldDate()
    {
        var (tenant, _) = await SeedAsync(staleAfterDays: 5);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{tenant}", new { staleAfterDays = 20 });

        _time.Advance(TimeSpan.FromDays(5));
        var run = await RunAsync();
        Assert.Equal(0, (int)run["flaggedStale"]!);
        Assert.Equal(0, (int)run["keysReindexed"]!);

        _time.Advance(TimeSpan.FromDays(15));
        Assert.Equal(1, (int)(await RunAsync())["flaggedStale"]!);
    }
}
