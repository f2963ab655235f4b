using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Audit;

/// <summary><c>GET /api/v1/tenants/{tenantId}/logs</c>: who did what to which key, newest first, filterable.</summary>
public sealed class AuditLogTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 5, 9, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Logs_RecordWhoIssuedAndRevokedWhatNewestFirst()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "olivia", "owner", "a", "serverlessauth:keys");
        var ownerKey = (string)(await _app.IssueKeyAsync(tenant, "olivia", ["a", "serverlessauth:keys"]))["key"]!;
        _time.Advance(TimeSpan.FromMinutes(1));
        var issued = await _app.IssueKeyAsync(tenant, "olivia", ["a"], client: _app.ClientWith(ownerKey));
        _time.Advance(TimeSpan.FromMinutes(1));
        await TestApp.SendOkAsync(_app.ClientWith(ownerKey), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{issued["id"]}");

        var log = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs");
        var entries = log["items"]!.AsArray().Where(e => (string?)e!["type"] != "usage.daily").ToList();
        Assert.Equal(["key.revoked", "key.issued", "key.issued"], entries.Select(e => (string)e!["type"]!));
        Assert.Equal(["operator:olivia", "operator:olivia", "admin"], entries.Select(e => (string)e!["actor"]!));
        Assert.Equal((string?)issued["id"], (string?)entries[0]!["credentialId"]);
        Assert.Equal((string?)issued["hint"], (string?)entries[0]!["hint"]);
        Assert.DoesNotContain((string)issued["key"]!, log.ToJsonString());
    }

    [Fact]
    public async Task Logs_FilterByTimeRangeTypeAndCredential()
    {
        var (tenant, _, first) = await _app.SeedAsync("owner", "a");
        var start = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromHours(1));
        var second = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["id"]!;
        _time.Advance(TimeSpan.FromHours(1));
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{first}");

        var from = Uri.EscapeDataString(start.AddMinutes(30).ToString("O"));
        var to = Uri.EscapeDataString(start.AddMinutes(90).ToString("O"));
        var window = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?from={from}&to={to}");
        Assert.Equal(second, (string?)Assert.Single(window["items"]!.AsArray())!["credentialId"]);

        var revocations = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=key.revoked");
        Assert.Equal(first, (string?)Assert.Single(revocations["items"]!.AsArray())!["credentialId"]);

        var ofFirst = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?credentialId={first}");
        Assert.Equal(["key.revoked", "key.issued"], ofFirst["items"]!.AsArray().Select(e => (string)e!["type"]!));
    }

    [Fact]
    public async Task Logs_AreForManagersOnlyAndRefuseMalformedFilters()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "bob", "member", "a");
        var bob = (string)(await _app.IssueKeyAsync(tenant, "bob", ["a"]))["key"]!;

        using var member = await _app.ClientWith(bob).GetAsync($"/api/v1/tenants/{tenant}/logs");
        await Problem.AssertAsync(member, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        using var badTime = await _app.Admin().GetAsync($"/api/v1/tenants/{tenant}/logs?from=yesterday");
        Assert.Equal("from", (string?)(await Problem.AssertAsync(badTime, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest))["field"]);

        using var badType = await _app.Admin().GetAsync($"/api/v1/tenants/{tenant}/logs?type=key.revoked'%20or%20'1");
        Assert.Equal("type", (string?)(await Problem.AssertAsync(badType, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest))["field"]);
    }

    [Fact]
    public async Task Logs_CountRefusalsOfAKnownKeyAndRateLimitHitsOncePerFlush()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        for (var i = 0; i < 3; i++)
        {
            using var refused = await _app.ClientWith(key).PostAsync("/api/v1/validate", null);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var limited = (string)(await _app.CreateTenantAsync(extra: new { rateLimitPerHour = 1 }))["id"]!;
        await _app.PutOperatorAsync(limited, "alice", "owner", "a");
        var limitedKey = await _app.IssueKeyAsync(limited, "alice", ["a"]);
        for (var i = 0; i < 2; i++)
        {
            (await _app.ClientWith((string)limitedKey["key"]!).PostAsync("/api/v1/validate", null)).Dispose();
        }

        await _app.Get<ServerlessAuth.Audit.AuditEventCounter>().FlushAsync(default);

        var failures = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=validation.failed");
        var failure = Assert.Single(failures["items"]!.AsArray())!;
        Assert.Equal(keyId, (string?)failure["credentialId"]);
        Assert.Equal("Revoked", (string?)failure["detail"]);
        Assert.Equal(3, (long)failure["count"]!);
        Assert.DoesNotContain(key, failures.ToJsonString());

        var hits = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{limited}/logs?type=rateLimit.hit");
        Assert.Equal(1, (long)Assert.Single(hits["items"]!.AsArray())!["count"]!);
    }

    [Fact]
    public async Task Logs_CountRefusalsOfTokensOfARevokedAppAgainstTheAppButNotForgedTokens()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{registered.Tenant}/apps/{registered.AppId}");
        for (var i = 0; i < 2; i++)
        {
            await Problem.AssertAsync(await AppTestData.ValidateAsync(_app, token), HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }

        // A token whose payload was changed fails its signature: nobody holds it, nothing goes to the tenant's log.
        var forged = AppTestData.Forge(token, payload: p => p["scope"] = "a b");
        await Problem.AssertAsync(await AppTestData.ValidateAsync(_app, forged), HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);

        await _app.Get<ServerlessAuth.Audit.AuditEventCounter>().FlushAsync(default);

        var failures = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{registered.Tenant}/logs?type=validation.failed");
        var failure = Assert.Single(failures["items"]!.AsArray())!;
        Assert.Equal(registered.AppId, (string?)failure["credentialId"]);
        Assert.Equal("Revoked", (string?)failure["detail"]);
        Assert.Equal(2, (long)failure["count"]!);
        Assert.DoesNotContain(token, failures.ToJsonString());
    }
}
