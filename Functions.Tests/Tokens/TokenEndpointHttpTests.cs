using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tokens;

/// <summary><c>POST /api/v1/token</c>: the Kinabase JSON flow and RFC 6749 §4.4 client credentials.</summary>
public sealed class TokenEndpointHttpTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Token_JsonFlowIssuesAnEs256AccessTokenWithEveryClaimAndNoStore()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["records:read", "records:write"]);
        using var response = await TestApp.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Contains("no-cache", response.Headers.Pragma.ToString());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Bearer", (string?)body["tokenType"]);
        Assert.Equal(3600, (int)body["expiresIn"]!);
        Assert.Null(body["refresh_token"] ?? body["refreshToken"]);

        var token = (string)body["token"]!;
        var header = AppTestData.Header(token);
        Assert.Equal("ES256", (string?)header["alg"]);
        Assert.Equal("at+jwt", (string?)header["typ"]);
        Assert.False(string.IsNullOrEmpty((string?)header["kid"]));

        var claims = AppTestData.Payload(token);
        Assert.Equal("http://localhost:7071", (string?)claims["iss"]);
        Assert.Equal("http://localhost:7071", (string?)claims["aud"]);
        Assert.Equal(registered.AppId, (string?)claims["sub"]);
        Assert.Equal(registered.AppId, (string?)claims["client_id"]);
        Assert.Equal(registered.Tenant, (string?)claims["tenant"]);
        Assert.Equal("records:read records:write", (string?)claims["scope"]);
        Assert.False(string.IsNullOrEmpty((string?)claims["jti"]));
        Assert.Equal((long)claims["iat"]!, (long)claims["nbf"]!);
        Assert.Equal(3600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)claims["exp"]!), (DateTimeOffset)body["expiresAt"]!);
    }

    [Fact]
    public async Task Token_FormFlowWithBasicOrBodyAnswersRfc6749AndNarrowsScope()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a", "b"]);
        using var viaBasic = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", "client_credentials"), new("scope", "b")], (registered.AppId, registered.Secret));
        Assert.Equal(HttpStatusCode.OK, viaBasic.StatusCode);
        var basic = (await viaBasic.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Bearer", (string?)basic["token_type"]);
        Assert.Equal("b", (string?)basic["scope"]);
        Assert.Equal(3600, (int)basic["expires_in"]!);
        Assert.Null(basic["refresh_token"]);
        Assert.Equal("b", (string?)AppTestData.Payload((string)basic["access_token"]!)["scope"]);

        using var viaBody = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", "client_credentials"), new("client_id", registered.AppId), new("client_secret", registered.Secret)]);
        var body = (await viaBody.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("a b", (string?)body["scope"]);
    }

    [Fact]
    public async Task Token_WrongSecretOverBasicAnswers401InvalidClientWithBasicChallenge()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var wrong = Convert.ToBase64String(new byte[64]);
        using var response = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", "client_credentials")], (registered.AppId, wrong));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("invalid_client", (string?)error["error"]);
        Assert.False(string.IsNullOrEmpty((string?)error["error_description"]));
    }

    [Theory]
    [InlineData("password", "unsupported_grant_type", HttpStatusCode.BadRequest)]
    [InlineData("", "invalid_request", HttpStatusCode.BadRequest)]
    public async Task Token_GrantTypeOtherThanClientCredentialsIsRefused(string grantType, string error, HttpStatusCode status)
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        using var response = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", grantType), new("client_id", registered.AppId), new("client_secret", registered.Secret)]);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(error, (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task Token_ScopeBeyondTheAppsAnswersInvalidScope()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        using var response = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", "client_credentials"), new("scope", "a admin")], (registered.AppId, registered.Secret));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_scope", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task Token_CredentialsInBothBasicAndBodyOrRepeatedParametersAreInvalidRequests()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        using var both = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", "client_credentials"), new("client_secret", registered.Secret)], (registered.AppId, registered.Secret));
        Assert.Equal("invalid_request", (string?)(await both.Content.ReadFromJsonAsync<JsonObject>())!["error"]);

        using var repeated = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token",
            [new("grant_type", "client_credentials"), new("grant_type", "client_credentials")], (registered.AppId, registered.Secret));
        Assert.Equal(HttpStatusCode.BadRequest, repeated.StatusCode);
        Assert.Equal("invalid_request", (string?)(await repeated.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task Token_TenantWithApiSwitchedOffIsRefusedAsUnauthorizedClient()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"], new { apiEnabled = false });
        using var response = await TestApp.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("unauthorized_client", (string?)error["error"]);
        Assert.Contains("api_not_enabled", (string?)error["error_description"]);
    }

    [Fact]
    public async Task Token_LifetimeFollowsTheTenantsSetting()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"], new { tokenLifetimeMinutes = 15 });
        var claims = AppTestData.Payload(await AppTestData.TokenAsync(_app, registered));
        Assert.Equal(900, (long)claims["exp"]! - (long)claims["iat"]!);

        using var tooLong = await TestApp.SendAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{registered.Tenant}", new { tokenLifetimeMinutes = 1441 });
        await Problem.AssertAsync(tooLong, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Token_MissingOrMalformedJsonAnswersInvalidRequestAndChangesNothing()
    {
        await AppTestData.RegisterAsync(_app, ["a"]);
        var before = await _app.SnapshotAsync();
        using var missing = await TestApp.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("invalid_request", (string?)(await missing.Content.ReadFromJsonAsync<JsonObject>())!["error"]);

        using var text = new StringContent("appId=x", System.Text.Encoding.UTF8, "text/plain");
        using var wrongType = await _app.CreateClient().PostAsync("/api/v1/token", text);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.Equal(before, await _app.SnapshotAsync());
    }

    [Fact]
    public async Task Token_WarmRequestReadsNothingFromStorageAndAColdOneOnlyPointReads()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        await using var fresh = new TestApp((await AzuriteServer.Shared).ConnectionString, new FakeTimeProvider(DateTimeOffset.UtcNow),
            new Dictionary<string, string?> { ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix });
        using var counter = new StorageRequestCounter(fresh.Services);

        // Outside what is measured: the health check loads the signing key ring and opens the Tenants table, an
        // unknown app id opens the AppIndex table (each table is created on first use).
        await fresh.CreateClient().GetAsync("/api/health");
        using (await TestApp.SendAsync(fresh.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = Guid.NewGuid(), appSecret = registered.Secret }))
        {
        }

        counter.Reset();
        Assert.NotEmpty(await AppTestData.TokenAsync(fresh, registered));
        // Reads: the app id → tenant pointer, the app row, the tenant row (the last two in parallel), and the app's
        // rate-limit counter. Writes: the first request of the hour claims a slice of that budget (creating the
        // RateLimits table on its first use); the next requests are served from the slice in memory.
        Assert.Equal(0, counter.Queries);
        Assert.Equal(4, counter.Reads);
        Assert.Equal(2, counter.Writes);

        counter.Reset();
        Assert.NotEmpty(await AppTestData.TokenAsync(fresh, registered));
        Assert.Equal(0, counter.Total);
    }
}
