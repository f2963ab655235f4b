using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Lifecycle;

/// <summary>
/// Audit events are deleted by the lifecycle job once they are older than <c>Lifecycle:AuditRetentionDays</c>
/// (10 here), found through the index (one entry per tenant per day with events), never by listing tenants.
/// </summary>
public sealed class AuditRetentionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time, new Dictionary<string, string?>
    {
        ["ServerlessAuth:Lifecycle:AuditRetentionDays"] = "10",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonObject> RunAsync() => await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/lifecycle/run");

    private async Task<string[]> LogTypesAsync(string tenant) =>
        [.. (await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs"))["items"]!.AsArray().Select(e => (string)e!["type"]!)];

    [Fact]
    public async Task Run_DeletesEventsOnceTheyAreOlderThanTheRetentionPeriodAndKeepsTheRest()
    {
        // Day 0 (2 Nov): issued. Day 5 (7 Nov): revoked.
        var (tenant, _, keyId) = await _app.SeedAsync("owner", "a");
        _time.Advance(TimeSpan.FromDays(5));
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        Assert.Equal(["key.revoked", "key.issued"], await LogTypesAsync(tenant));

        // 12 Nov 23:59:59: the day-0 events are not yet 10 days past the end of their day.
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 12, 23, 59, 59, TimeSpan.Zero));
        Assert.Equal(0, (int)(await RunAsync())["auditEventsPurged"]!);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["auditEventsPurged"]!);
        Assert.Equal(["key.revoked"], await LogTypesAsync(tenant));
        Assert.Equal(0, (int)(await RunAsync())["auditEventsPurged"]!);

        _time.SetUtcNow(new DateTimeOffset(2026, 11, 18, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(1, (int)(await RunAsync())["auditEventsPurged"]!);
        Assert.Empty(await LogTypesAsync(tenant));
    }

    [Fact]
    public async Task Run_LeavesOtherTenantsEventsThatAreStillWithinTheRetentionPeriod()
    {
        var (early, _, _) = await _app.SeedAsync("owner", "a");
        _time.Advance(TimeSpan.FromDays(3));
        var (late, _, _) = await _app.SeedAsync("owner", "a");

        _time.SetUtcNow(new DateTimeOffset(2026, 11, 13, 0, 0, 0, TimeSpan.Zero));
        await RunAsync();

        Assert.Empty(await LogTypesAsync(early));
        Assert.Equal(["key.issued"], await LogTypesAsync(late));
    }
}
