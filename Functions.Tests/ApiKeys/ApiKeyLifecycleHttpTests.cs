using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.ApiKeys;

/// <summary>The README walk-through, over HTTP against a real Azurite: tenant → operator → key → validate → revoke.</summary>
public sealed class ApiKeyLifecycleHttpTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Walkthrough_KeyValidatesUntilRevokedThenAnswers401Revoked()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "contacts:read", "contacts:write");

        using var viaHeader = _app.CreateClient();
        viaHeader.DefaultRequestHeaders.Add("x-api-key", key);
        var ok = await TestApp.SendOkAsync(viaHeader, HttpMethod.Post, "/api/v1/validate?scope=contacts:read");
        Assert.True((bool)ok["active"]!);
        Assert.Equal("apiKey", (string?)ok["kind"]);
        Assert.Equal(tenant, (string?)ok["tenantId"]);
        Assert.Equal(keyId, (string?)ok["credentialId"]);
        Assert.Equal("alice", (string?)ok["subject"]);
        Assert.Equal(["contacts:read", "contacts:write"], ok["scopes"]!.AsArray().Select(s => (string)s!));

        var revoked = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        Assert.Equal("revoked", (string?)revoked["status"]);

        using var after = await _app.ClientWith(key).PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        Assert.Contains("error=\"invalid_token\"", Problem.Challenge(after));
    }

    [Fact]
    public async Task IssueKey_ShowsSecretOnceWithNoStoreAndNeverInReadsOrListings()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "bob", "member", "reports:read");

        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys",
            new { operatorId = "bob", name = "Reporting", scopes = new[] { "reports:read" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var issued = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var secret = (string)issued["key"]!;
        Assert.StartsWith($"sa_live_{tenant}_", secret);
        Assert.Equal($"sa_live_…{secret[^4..]}", (string?)issued["hint"]);
        Assert.Equal($"/api/v1/tenants/{tenant}/keys/{issued["id"]}", response.Headers.Location?.OriginalString);

        var read = await _app.Admin().GetStringAsync($"/api/v1/tenants/{tenant}/keys/{issued["id"]}");
        var list = await _app.Admin().GetStringAsync($"/api/v1/tenants/{tenant}/keys");
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain(secret[^20..], list);
        Assert.DoesNotContain("\"key\"", list);
        Assert.Single(JsonNode.Parse(list)!["items"]!.AsArray());
    }

    [Fact]
    public async Task RevokeKey_IsIdempotentAndKeepsTheFirstRevocationTime()
    {
        var (tenant, _, keyId) = await _app.SeedAsync("owner", "a");
        var first = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        var second = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        Assert.Equal("revoked", (string?)second["status"]);
        Assert.Equal((string?)first["revokedAt"], (string?)second["revokedAt"]);
    }

    [Fact]
    public async Task RevokeKey_ConcurrentRevocationsAllSucceedAndTheKeyStaysRevoked()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        using var after = await _app.ClientWith(key).PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    [Fact]
    public async Task ListKeys_PagesWithContinuationTokensAndFiltersByStatusAndOperator()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        await _app.PutOperatorAsync(tenant, "bob", "member", "a");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((string)(await _app.IssueKeyAsync(tenant, i < 3 ? "alice" : "bob", ["a"]))["id"]!);
        }

        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{ids[0]}");

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var url = $"/api/v1/tenants/{tenant}/keys?pageSize=2" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token));
            var page = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, url);
            var items = page["items"]!.AsArray();
            Assert.True(items.Count <= 2);
            seen.AddRange(items.Select(k => (string)k!["id"]!));
            token = (string?)page["continuationToken"];
            pages++;
        }
        while (token is not null);

        Assert.Equal(ids.Order(), seen.Order());
        Assert.True(pages >= 3);

        var revoked = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys?status=revoked");
        Assert.Equal([ids[0]], revoked["items"]!.AsArray().Select(k => (string)k!["id"]!));
        var bobs = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys?operatorId=bob&status=active");
        Assert.Equal(ids[3..].Order(), bobs["items"]!.AsArray().Select(k => (string)k!["id"]!).Order());
    }
}
