using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Http;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.AspNetCore;

/// <summary>
/// A provider's API with ServerlessAuth.AspNetCore, presented API keys, against a real standalone host on Azurite: who is
/// accepted with which claims, what is refused without a call, how each refusal is answered, and what the cache costs.
/// </summary>
public sealed class ApiKeySchemeTests : IAsyncLifetime
{
    private TestApp _server = null!;
    private ProviderApi _api = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApp.StartAsync();
        _api = await ProviderApi.StartAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task ApiKey_IsAcceptedAsBearerAndAsXApiKeyWithItsTenantSubjectIdKindRoleAndScopes()
    {
        var (tenant, key, keyId) = await _server.SeedAsync("admin", "contacts:read", "reports:read");

        foreach (var client in new[] { _api.Client(bearer: key), _api.Client(apiKey: key) })
        {
            using var response = await client.GetAsync("/contacts");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal("alice", (string?)body["name"]);
            Assert.Equal(tenant, (string?)body["tenant"]);
            Assert.Equal(keyId, (string?)body["credentialId"]);
            Assert.Equal("apiKey", (string?)body["kind"]);
            Assert.Equal("admin", (string?)body["role"]);
            Assert.Equal(["contacts:read", "reports:read"], body["scopes"]!.AsArray().Select(s => (string)s!));
        }
    }

    [Fact]
    public async Task ApiKey_NotOfThisDeploymentIsRefused401WithoutACallToServerlessAuth()
    {
        var (_, key, _) = await _server.SeedAsync("owner", "contacts:read");
        var typo = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        var otherEnvironment = new ApiKeyFormat(Options.Create(new ServerlessAuthOptions { ApiKeys = { Environment = "test" } }))
            .Create(TenantId.TryParse("acme-prod", out var acme) ? acme : default);

        foreach (var presented in new[] { typo, otherEnvironment, "sa_live_acme-prod_short", "not-a-key" })
        {
            using var response = await _api.GetContactsAsync(presented);
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
            Assert.StartsWith("Bearer error=\"invalid_token\"", Problem.Challenge(response));
        }

        Assert.Equal(0, _api.AllCalls);
        Assert.Equal(4, _api.Metric("serverlessauth.aspnetcore.local.refusals"));
    }

    [Fact]
    public async Task NoCredential_Answers401WithABareBearerChallengeAndAnonymousEndpointsStillServe()
    {
        using var missing = await _api.Client().GetAsync("/contacts");
        await Problem.AssertAsync(missing, HttpStatusCode.Unauthorized, ProblemCodes.MissingCredential);
        Assert.Equal("Bearer", Problem.Challenge(missing));

        // Another scheme's Authorization header is not a ServerlessAuth credential.
        using var basic = new HttpRequestMessage(HttpMethod.Get, "/contacts");
        basic.Headers.TryAddWithoutValidation("Authorization", "Basic YWxpY2U6c2VjcmV0");
        using var basicResponse = await _api.Client().SendAsync(basic);
        await Problem.AssertAsync(basicResponse, HttpStatusCode.Unauthorized, ProblemCodes.MissingCredential);

        Assert.Equal("anonymous", await _api.Client("garbage").GetStringAsync("/public"));
    }

    [Fact]
    public async Task TwoCredentialsOrAMalformedOne_Answer400InvalidRequestWithoutACall()
    {
        var (_, key, _) = await _server.SeedAsync("owner", "contacts:read");

        using var both = await _api.Client(bearer: key, apiKey: key).GetAsync("/contacts");
        await Problem.AssertAsync(both, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        Assert.StartsWith("Bearer error=\"invalid_request\"", Problem.Challenge(both));

        using var malformed = await _api.Client(apiKey: "sa_live_acme\"prod").GetAsync("/contacts");
        await Problem.AssertAsync(malformed, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        Assert.Equal(0, _api.AllCalls);
    }

    [Fact]
    public async Task RevokedAndUnknownKeys_Answer401WithServerlessAuthsCodeAndAreRememberedAsRefused()
    {
        var (tenant, revoked, revokedId) = await _server.SeedAsync("owner", "contacts:read");
        await TestApp.SendOkAsync(_server.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{revokedId}");
        var unknown = _server.Get<ApiKeyFormat>().Create(TenantId.TryParse(tenant, out var t) ? t : default);

        for (var i = 0; i < 5; i++)
        {
            using var r = await _api.GetContactsAsync(revoked);
            await Problem.AssertAsync(r, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
            Assert.StartsWith("Bearer error=\"invalid_token\"", Problem.Challenge(r));
            using var u = await _api.GetContactsAsync(unknown);
            await Problem.AssertAsync(u, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }

        // One call each: the refusals are served from memory for NegativeCacheTtl.
        Assert.Equal(2, _api.ValidateCalls);
    }

    [Fact]
    public async Task MissingScope_Answers403InsufficientScopeNamingTheScopeInTheChallenge()
    {
        var (_, readOnly, _) = await _server.SeedAsync("owner", "contacts:read");
        var (_, writeOnly, _) = await _server.SeedAsync("owner", "contacts:write");

        // [RequireScope("contacts:write")] on the endpoint.
        using var post = await _api.Client(readOnly).PostAsync("/contacts", null);
        var body = await Problem.AssertAsync(post, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("contacts:write", (string?)body["scope"]);
        var challenge = Problem.Challenge(post)!;
        Assert.StartsWith("Bearer error=\"insufficient_scope\"", challenge);
        Assert.EndsWith("scope=\"contacts:write\"", challenge);

        // AddScopePolicy("contacts:read") and RequireAuthorization("contacts:read").
        using var get = await _api.GetContactsAsync(writeOnly);
        await Problem.AssertAsync(get, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.EndsWith("scope=\"contacts:read\"", Problem.Challenge(get));

        using var allowed = await _api.Client(writeOnly).PostAsync("/contacts", null);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task ConcurrentRequestsOfAnUncachedKey_ShareOneCallAndLaterOnesCostNone()
    {
        var (_, key, _) = await _server.SeedAsync("owner", "contacts:read");
        using var client = _api.Client(key);

        var first = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("/contacts")));
        Assert.All(first, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _api.ValidateCalls);

        for (var i = 0; i < 30; i++)
        {
            using var r = await client.GetAsync("/contacts");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        // Within the 5 s TTL and before its last fifth: no further call.
        Assert.InRange(_api.ValidateCalls, 1, 2);
        Assert.True(_api.Metric("serverlessauth.aspnetcore.cache.hits", "answer=accepted") >= 49);
        Assert.Equal(1, _api.Metric("serverlessauth.aspnetcore.cache.misses"));
    }

    [Fact]
    public async Task ServerlessAuthsFailureThrottle_IsAnswered401NotPassedOnAs429()
    {
        await using var server = await TestApp.StartAsync(settings: new Dictionary<string, string?> { ["ServerlessAuth:RateLimiting:FailureLimit"] = "2" });
        await using var api = await ProviderApi.StartAsync(server);
        var tenant = (string)(await server.CreateTenantAsync())["id"]!;
        var format = server.Get<ApiKeyFormat>();
        var tenantId = TenantId.TryParse(tenant, out var t) ? t : default;

        // Three unknown keys (valid checksums): ServerlessAuth throttles this API's address after two, with a 429 of
        // its "failures" policy that only ever stands for a 401.
        for (var i = 0; i < 3; i++)
        {
            using var response = await api.GetContactsAsync(format.Create(tenantId));
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }

        Assert.Equal(3, api.ValidateCalls);
    }

    [Fact]
    public async Task WrongAuthority_AnswersServiceUnavailableNeverAcceptance()
    {
        await using var api = await ProviderApi.StartAsync(_server, o => o.Authority = ProviderApi.InProcessAuthority + "/not-here");
        var (_, key, _) = await _server.SeedAsync("owner", "contacts:read");

        using var response = await api.GetContactsAsync(key);
        await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(1, api.Metric("serverlessauth.aspnetcore.validate.failures", "error=unexpected_status"));
    }
}
