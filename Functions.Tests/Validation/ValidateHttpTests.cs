using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Validation;

/// <summary><c>POST /api/v1/validate</c> for API keys: expiry, permission inheritance, API access, scopes, storage cost.</summary>
public sealed class ValidateHttpTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpResponseMessage> ValidateAsync(string key, string query = "") =>
        await _app.ClientWith(key).PostAsync("/api/v1/validate" + query, null);

    [Fact]
    public async Task Validate_AcceptsAKeyOneSecondBeforeExpiryAndAnswersExpiredExactlyAtIt()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var expiresAt = _time.GetUtcNow().AddDays(1);
        var key = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"], expiresAt))["key"]!;

        _time.SetUtcNow(expiresAt.AddSeconds(-1));
        using var before = await ValidateAsync(key);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // Still within the cache TTL: expiry is checked on every validation, not only when storage is read.
        _time.SetUtcNow(expiresAt);
        using var at = await ValidateAsync(key);
        await Problem.AssertAsync(at, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
        Assert.Contains("error=\"invalid_token\"", Problem.Challenge(at));
    }

    [Fact]
    public async Task Validate_AnswersInsufficientScopeWithTheRequiredScopeInTheChallenge()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "contacts:read");

        using var ok = await ValidateAsync(key, "?scope=contacts:read");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var denied = await ValidateAsync(key, "?scope=contacts:read%20contacts:write");
        var body = await Problem.AssertAsync(denied, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("contacts:read contacts:write", (string?)body["scope"]);
        Assert.Contains("error=\"insufficient_scope\"", Problem.Challenge(denied));
        Assert.Contains("scope=\"contacts:read contacts:write\"", Problem.Challenge(denied));
    }

    [Fact]
    public async Task Validate_AcceptsRequiredScopesInTheJsonBody()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "a", "b");
        using var ok = await TestApp.SendAsync(_app.ClientWith(key), HttpMethod.Post, "/api/v1/validate", new { requiredScopes = new[] { "a", "b" } });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var denied = await TestApp.SendAsync(_app.ClientWith(key), HttpMethod.Post, "/api/v1/validate", new { requiredScopes = new[] { "c" } });
        await Problem.AssertAsync(denied, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task Validate_AnswersEveryFieldWithScopesInOrder()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("admin", "reports:read", "contacts:write", "contacts:read");

        using var response = await ValidateAsync(key);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = System.Text.Json.Nodes.JsonNode.Parse(bytes)!.AsObject();
        Assert.Equal(
            ["active", "kind", "tenantId", "credentialId", "subject", "scopes", "expiresAt", "role", "stale"],
            body.Select(p => p.Key));
        Assert.True((bool)body["active"]!);
        Assert.Equal("apiKey", (string?)body["kind"]);
        Assert.Equal(tenant, (string?)body["tenantId"]);
        Assert.Equal(keyId, (string?)body["credentialId"]);
        Assert.Equal("alice", (string?)body["subject"]);
        Assert.Equal(["contacts:read", "contacts:write", "reports:read"], body["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal("admin", (string?)body["role"]);
        Assert.False((bool)body["stale"]!);
    }

    [Fact]
    public async Task Validate_DropsAScopeAsSoonAsTheOperatorLosesThePermission()
    {
        var (tenant, key, _) = await _app.SeedAsync("owner", "contacts:read", "contacts:write");

        await _app.PutOperatorAsync(tenant, "alice", "owner", "contacts:read");

        var ok = await TestApp.SendOkAsync(_app.ClientWith(key), HttpMethod.Post, "/api/v1/validate");
        Assert.Equal(["contacts:read"], ok["scopes"]!.AsArray().Select(s => (string)s!));
        using var denied = await ValidateAsync(key, "?scope=contacts:write");
        await Problem.AssertAsync(denied, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task Validate_RefusesEveryKeyOfARemovedOperatorAndListsThemRevoked()
    {
        var (tenant, key, keyId) = await _app.SeedAsync("member", "a");
        using var delete = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/operators/alice");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var after = await ValidateAsync(key);
        await Problem.AssertAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        var listed = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        Assert.Equal("revoked", (string?)listed["status"]);
    }

    [Theory]
    [InlineData("{\"apiEnabled\":false}")]
    [InlineData("{\"plan\":\"free\"}")]
    public async Task Validate_AnswersApiNotEnabledWhenTheTenantSwitchIsOffOrThePlanLacksApi(string patch)
    {
        var (tenant, key, _) = await _app.SeedAsync("owner", "a");
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/tenants/{tenant}")
        {
            Content = new StringContent(patch, System.Text.Encoding.UTF8, "application/json"),
        };
        using var patched = await _app.Admin().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        using var denied = await ValidateAsync(key);
        await Problem.AssertAsync(denied, HttpStatusCode.Forbidden, ProblemCodes.ApiNotEnabled);
    }

    [Fact]
    public async Task Validate_UnknownWellFormedKeyIsInvalidCredential()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "a");
        var format = new ServerlessAuth.ApiKeys.ApiKeyFormat(Microsoft.Extensions.Options.Options.Create(new ServerlessAuthOptions()));
        Assert.True(format.TryParse(key, out var tenant));
        using var response = await ValidateAsync(format.Create(tenant));
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task Validate_MissingCredentialIs401WithABareChallenge()
    {
        using var response = await _app.CreateClient().PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.MissingCredential);
        Assert.Equal("Bearer realm=\"serverlessauth\"", Problem.Challenge(response));
    }

    [Fact]
    public async Task Validate_BadChecksumCostsNoStorageRequest()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "a");
        var typo = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        using var counter = new StorageRequestCounter(_app.Services);

        for (var i = 0; i < 20; i++)
        {
            using var response = await ValidateAsync(typo);
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }

        Assert.Equal(0, counter.Total);
    }

    [Fact]
    public async Task Validate_CostsOneReadPerCacheMissAndNoneWhileCached()
    {
        var (tenant, first, _) = await _app.SeedAsync("owner", "a");
        var second = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;
        using (await ValidateAsync(first))
        {
            // Warms the tenant and operator entries, which every key of the tenant shares.
        }

        using var counter = new StorageRequestCounter(_app.Services);
        using (var miss = await ValidateAsync(second))
        {
            Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        }

        // One read of the key, and the first claim of its hourly budget: a read and a write of its rate-limit counter.
        Assert.Equal(2, counter.Reads);
        Assert.Equal(1, counter.Writes);
        Assert.Equal(3, counter.Total);

        for (var i = 0; i < 50; i++)
        {
            using var hit = await ValidateAsync(second);
            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        }

        // Served from the cache and from the claimed slice of the budget (100 of the default 1000).
        Assert.Equal(3, counter.Total);

        // At the TTL three entries expire together (the key, its tenant, its operator): one read each.
        _time.Advance(TimeSpan.FromSeconds(5));
        counter.Reset();
        using (await ValidateAsync(second))
        {
        }

        Assert.Equal(3, counter.Reads);
        Assert.Equal(3, counter.Total);
    }

    [Fact]
    public async Task Validate_ConcurrentColdValidationsOfOneKeyShareOneRead()
    {
        var (tenant, first, _) = await _app.SeedAsync("owner", "a");
        var second = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;
        using (await ValidateAsync(first))
        {
        }

        using var counter = new StorageRequestCounter(_app.Services);
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => ValidateAsync(second)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // One read of the key and one claim of its budget (a read and a write of its counter), shared by all 32.
        Assert.Equal(2, counter.Reads);
        Assert.Equal(1, counter.Writes);
    }
}
