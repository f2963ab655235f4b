using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Lifecycle;

/// <summary>
/// Apps and their secrets through the lifecycle job: "expiring soon" and "expired" recorded once per secret, apps
/// past their <c>expiresAt</c> stopped at once and marked by the job, ended apps and secrets deleted after the
/// retention period (30 days), and every change in the tenant's log.
/// </summary>
public sealed class AppLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonObject> RunAsync() => await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/lifecycle/run");

    private async Task<JsonArray> LogAsync(string tenant, string type) =>
        (await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type={type}"))["items"]!.AsArray();

    private async Task<HttpResponseMessage> GetAppAsync(string tenant, string appId) =>
        await TestApp.SendAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/apps/{appId}");

    private async Task<(string Tenant, string AppId, string Secret, string SecretId)> RegisterAsync(object body, object? tenantSettings = null)
    {
        var tenant = (string)(await _app.CreateTenantAsync(extra: tenantSettings))["id"]!;
        var created = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps", body);
        return (tenant, (string)created["appId"]!, (string)created["appSecret"]!, (string)created["secretId"]!);
    }

    private async Task<HttpResponseMessage> TokenAsync(string appId, string secret) =>
        await TestApp.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId, appSecret = secret });

    [Fact]
    public async Task Secret_IsAnnouncedThenRecordedExpiredOnceAndDroppedAfterTheRetentionPeriod()
    {
        var now = _time.GetUtcNow();
        var (tenant, appId, secret, secretId) = await RegisterAsync(
            new { name = "Sync", description = "Nightly sync", scopes = new[] { "a" }, secretExpiresAt = now.AddDays(10) },
            new { expiringSoonDays = 3 });

        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["expiringSoon"]!);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["expiringSoon"]!);
        Assert.Equal(0, (int)(await RunAsync())["expiringSoon"]!);

        _time.Advance(TimeSpan.FromDays(3));
        using (var refused = await TokenAsync(appId, secret))
        {
            // Refused at its expiry whether or not the job has run.
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal(1, (int)(await RunAsync())["appSecretsExpired"]!);
        Assert.Equal(0, (int)(await RunAsync())["appSecretsExpired"]!);

        var soon = Assert.Single(await LogAsync(tenant, "app.secretExpiringSoon"))!;
        var expired = Assert.Single(await LogAsync(tenant, "app.secretExpired"))!;
        Assert.All(new[] { soon, expired }, e =>
        {
            Assert.Equal(appId, (string?)e["credentialId"]);
            Assert.Equal(secretId, (string?)e["relatedCredentialId"]);
            Assert.Equal("lifecycle", (string?)e["actor"]);
        });
        Assert.Equal(now.AddDays(10), (DateTimeOffset)expired["at"]!);

        var listed = JsonNode.Parse(await (await GetAppAsync(tenant, appId)).Content.ReadAsStringAsync())!;
        Assert.Equal("expired", (string?)Assert.Single(listed["secrets"]!.AsArray())!["status"]);

        _time.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["purged"]!);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["purged"]!);

        using var app = await GetAppAsync(tenant, appId);
        Assert.Equal(HttpStatusCode.OK, app.StatusCode);
        Assert.Empty(JsonNode.Parse(await app.Content.ReadAsStringAsync())!["secrets"]!.AsArray());
    }

    [Fact]
    public async Task Secret_ReplacedBeforeItExpires_IsNotAnnouncedAsExpiringSoon()
    {
        var now = _time.GetUtcNow();
        var (tenant, appId, _, _) = await RegisterAsync(
            new { name = "Sync", description = "Nightly sync", scopes = new[] { "a" }, secretExpiresAt = now.AddDays(10) },
            new { expiringSoonDays = 3 });
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps/{appId}/secrets", new { expiresAt = now.AddDays(60) });

        _time.Advance(TimeSpan.FromDays(7));
        await RunAsync();

        Assert.Empty(await LogAsync(tenant, "app.secretExpiringSoon"));
    }

    [Fact]
    public async Task App_PastItsExpiry_StopsAtOnceAndIsMarkedOnceThenDeletedAfterTheRetentionPeriod()
    {
        var now = _time.GetUtcNow();
        var (tenant, appId, secret, _) = await RegisterAsync(
            new { name = "Pilot", description = "Partner pilot", scopes = new[] { "a" }, expiresAt = now.AddDays(2) });
        _time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(30));
        string jwt;
        using (var issued = await TokenAsync(appId, secret))
        {
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            jwt = (string)JsonNode.Parse(await issued.Content.ReadAsStringAsync())!["token"]!;
        }

        _time.Advance(TimeSpan.FromMinutes(30));

        // Before the job runs: the app's secret and its unexpired token stop working at its expiry.
        using (var refused = await TokenAsync(appId, secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("invalid_client", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]);
        }

        await Problem.AssertAsync(await AppTestData.ValidateAsync(_app, jwt), HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
        Assert.Equal("expired", (string?)JsonNode.Parse(await (await GetAppAsync(tenant, appId)).Content.ReadAsStringAsync())!["status"]);
        await Problem.AssertAsync(
            await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps/{appId}/secrets", new { }),
            HttpStatusCode.Conflict, ProblemCodes.Conflict);

        Assert.Equal(1, (int)(await RunAsync())["appsExpired"]!);
        Assert.Equal(0, (int)(await RunAsync())["appsExpired"]!);
        var expired = Assert.Single(await LogAsync(tenant, "app.expired"))!;
        Assert.Equal(appId, (string?)expired["credentialId"]);
        Assert.Equal(now.AddDays(2), (DateTimeOffset)expired["at"]!);

        _time.Advance(Retention - TimeSpan.FromSeconds(1));
        await RunAsync();
        Assert.Equal(HttpStatusCode.OK, (await GetAppAsync(tenant, appId)).StatusCode);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["purged"]!);

        await Problem.AssertAsync(await GetAppAsync(tenant, appId), HttpStatusCode.NotFound, ProblemCodes.NotFound);
        using var gone = await TokenAsync(appId, secret);
        Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        Assert.Single(await LogAsync(tenant, "app.expired"));
    }

    [Fact]
    public async Task App_RevokedBeforeTheJobSawItExpire_StaysRevokedAndIsNotRecordedExpired()
    {
        var now = _time.GetUtcNow();
        var (tenant, appId, _, _) = await RegisterAsync(
            new { name = "Pilot", description = "Partner pilot", scopes = new[] { "a" }, expiresAt = now.AddDays(2) });
        _time.Advance(TimeSpan.FromDays(3));
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/apps/{appId}");

        Assert.Equal(0, (int)(await RunAsync())["appsExpired"]!);

        Assert.Equal("revoked", (string?)JsonNode.Parse(await (await GetAppAsync(tenant, appId)).Content.ReadAsStringAsync())!["status"]);
        Assert.Empty(await LogAsync(tenant, "app.expired"));
    }

    [Fact]
    public async Task RevokedApp_IsDeletedAfterTheRetentionPeriodOnly()
    {
        var (tenant, appId, _, _) = await RegisterAsync(new { name = "Old", description = "Retired", scopes = new[] { "a" } });
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/apps/{appId}");

        _time.Advance(Retention - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (int)(await RunAsync())["purged"]!);
        Assert.Equal(HttpStatusCode.OK, (await GetAppAsync(tenant, appId)).StatusCode);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (int)(await RunAsync())["purged"]!);
        await Problem.AssertAsync(await GetAppAsync(tenant, appId), HttpStatusCode.NotFound, ProblemCodes.NotFound);

        // Its history outlives it.
        Assert.Single(await LogAsync(tenant, "app.revoked"));
    }

    [Fact]
    public async Task AppChanges_AreInTheTenantLogWithWhoMadeThem()
    {
        var (tenant, appId, _, firstSecretId) = await RegisterAsync(new { name = "Sync", description = "Nightly sync", scopes = new[] { "a" } });
        _time.Advance(TimeSpan.FromSeconds(1));
        var added = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps/{appId}/secrets", new { });
        _time.Advance(TimeSpan.FromSeconds(1));
        using (var removed = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/apps/{appId}/secrets/{firstSecretId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(1));
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/apps/{appId}");

        var log = (await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?credentialId={appId}"))["items"]!.AsArray();
        Assert.Equal(
            ["app.revoked", "app.secretRemoved", "app.secretAdded", "app.created"],
            log.Select(e => (string)e!["type"]!).ToArray());
        Assert.All(log, e => Assert.Equal("admin", (string?)e!["actor"]));
        Assert.Equal(firstSecretId, (string?)log[3]!["relatedCredentialId"]);
        Assert.Equal((string?)added["secretId"], (string?)log[2]!["relatedCredentialId"]);
        Assert.Equal(firstSecretId, (string?)log[1]!["relatedCredentialId"]);
    }

    [Fact]
    public async Task App_WithAnExpiryInThePast_IsRefusedAndNothingIsStored()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        var before = await _app.SnapshotAsync();

        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps",
            new { name = "x", description = "y", scopes = new[] { "a" }, expiresAt = _time.GetUtcNow().AddMinutes(1) });

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        Assert.Equal("expiresAt", (string?)problem["field"]);
        Assert.Equal(before, await _app.SnapshotAsync());
    }
}
