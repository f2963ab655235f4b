using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tokens;

/// <summary>
/// Interop with software nobody here wrote: a stock ASP.NET Core API (<c>AddJwtBearer</c> with only Authority and
/// Audience) and the Duende.IdentityModel OAuth client (discovery, client credentials, introspection, revocation).
/// </summary>
public sealed class ResourceServerInteropTests : IAsyncLifetime
{
    private const string Issuer = "http://localhost:7071";

    // The stock middleware checks lifetimes against the real clock: start three hours back to mint an expired token.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow.AddHours(-3));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task JwtBearer_StockApiAcceptsOurTokenAndRejectsTamperedExpiredAndWrongAudience()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["records:read"]);
        var expired = await AppTestData.TokenAsync(_app, registered);
        _time.SetUtcNow(DateTimeOffset.UtcNow);
        var valid = await AppTestData.TokenAsync(_app, registered);
        var tampered = AppTestData.Forge(valid, payload: p => p["scope"] = "records:read records:delete");

        await using var otherAudience = await TestApp.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow), new Dictionary<string, string?>
        {
            ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix,
            ["ServerlessAuth:Tokens:Audience"] = "https://another-api.example",
        });
        var wrongAudience = await AppTestData.TokenAsync(otherAudience, registered);

        await using var api = await StartResourceServerAsync();
        using var client = api.GetTestClient();
        Assert.Equal((HttpStatusCode.OK, registered.AppId), await CallAsync(client, valid));
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(client, tampered)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(client, expired)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallAsync(client, wrongAudience)).Status);
    }

    [Fact]
    public async Task IdentityModelClient_DiscoversObtainsByBasicAndBodyIntrospectsAndRevokes()
    {
        _time.SetUtcNow(DateTimeOffset.UtcNow);
        var registered = await AppTestData.RegisterAsync(_app, ["records:read", "records:write"]);
        var resourceServer = await AppTestData.RegisterInAsync(_app, registered.Tenant, []);
        using var http = _app.CreateClient();

        var disco = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = Issuer, Policy = { RequireHttps = false } });
        Assert.False(disco.IsError, disco.Error);
        Assert.Equal(Issuer, disco.Issuer);
        Assert.Equal("ES256", Assert.Single(disco.KeySet!.Keys).Alg);

        var viaBasic = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = registered.AppId,
            ClientSecret = registered.Secret,
            ClientCredentialStyle = ClientCredentialStyle.AuthorizationHeader,
            Scope = "records:read",
        });
        Assert.False(viaBasic.IsError, viaBasic.Error);
        Assert.Equal("Bearer", viaBasic.TokenType);
        Assert.Equal(3600, viaBasic.ExpiresIn);
        Assert.Null(viaBasic.RefreshToken);

        var viaBody = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = disco.TokenEndpoint,
            ClientId = registered.AppId,
            ClientSecret = registered.Secret,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
        });
        Assert.False(viaBody.IsError, viaBody.Error);
        Assert.Equal("records:read records:write", viaBody.Scope);

        var introspection = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = disco.IntrospectionEndpoint,
            ClientId = resourceServer.AppId,
            ClientSecret = resourceServer.Secret,
            Token = viaBasic.AccessToken!,
        });
        Assert.False(introspection.IsError, introspection.Error);
        Assert.True(introspection.IsActive);
        Assert.Equal(registered.AppId, introspection.Claims.Single(c => c.Type == "client_id").Value);
        Assert.Equal(["records:read"], introspection.Claims.Where(c => c.Type == "scope").Select(c => c.Value));

        var revocation = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = disco.RevocationEndpoint,
            ClientId = registered.AppId,
            ClientSecret = registered.Secret,
            Token = viaBasic.AccessToken!,
        });
        Assert.False(revocation.IsError, revocation.Error);

        var afterRevocation = await http.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = disco.IntrospectionEndpoint,
            ClientId = resourceServer.AppId,
            ClientSecret = resourceServer.Secret,
            Token = viaBasic.AccessToken!,
        });
        Assert.False(afterRevocation.IsActive);
    }

    [Fact]
    public async Task Introspect_ForeignTenantsTokenOrGarbageAnswersOnlyActiveFalse()
    {
        _time.SetUtcNow(DateTimeOffset.UtcNow);
        var owner = await AppTestData.RegisterAsync(_app, ["a"]);
        var foreign = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, owner);

        foreach (var presented in new[] { token, "garbage", token[..^4] + "AAAA" })
        {
            using var response = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/introspect", [new("token", presented)], (foreign.AppId, foreign.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"active":false}""", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Introspect_ApiKeyOfTheSameTenantIsActiveAndAnUnauthenticatedCallerGets401()
    {
        _time.SetUtcNow(DateTimeOffset.UtcNow);
        var (tenant, key, keyId) = await _app.SeedAsync("owner", "a");
        var resourceServer = await AppTestData.RegisterInAsync(_app, tenant, []);

        using var response = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/introspect", [new("token", key)], (resourceServer.AppId, resourceServer.Secret));
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((bool)body["active"]!);
        Assert.Equal("apiKey", (string?)body["kind"]);
        Assert.Equal(keyId, (string?)body["jti"]);
        Assert.Equal("alice", (string?)body["sub"]);

        using var anonymous = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/introspect", [new("token", key)]);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Equal("invalid_client", (string?)(await anonymous.Content.ReadFromJsonAsync<JsonObject>())!["error"]);
    }

    [Fact]
    public async Task Metadata_IssuerEqualsTheTokensIssAndBothDocumentsAgree()
    {
        var oauth = await _app.CreateClient().GetStringAsync("/.well-known/oauth-authorization-server");
        var openid = await _app.CreateClient().GetStringAsync("/.well-known/openid-configuration");
        Assert.Equal(oauth, openid);
        var metadata = JsonNode.Parse(oauth)!;
        Assert.Equal(Issuer, (string?)metadata["issuer"]);
        Assert.Equal(Issuer + "/.well-known/jwks.json", (string?)metadata["jwks_uri"]);
        Assert.Equal(Issuer + "/api/v1/token", (string?)metadata["token_endpoint"]);
        Assert.Equal(["client_credentials"], metadata["grant_types_supported"]!.AsArray().Select(g => (string)g!));
        Assert.Equal(["ES256"], metadata["id_token_signing_alg_values_supported"]!.AsArray().Select(g => (string)g!));

        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        Assert.Equal(Issuer, (string?)AppTestData.Payload(await AppTestData.TokenAsync(_app, registered))["iss"]);
    }

    private async Task<WebApplication> StartResourceServerAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication().AddJwtBearer(o =>
        {
            o.Authority = Issuer;
            o.Audience = Issuer;
            o.RequireHttpsMetadata = false;
            o.BackchannelHttpHandler = _app.Server.CreateHandler();
        });
        builder.Services.AddAuthorization();
        var api = builder.Build();
        api.UseAuthentication();
        api.UseAuthorization();
        api.MapGet("/records", (ClaimsPrincipal user) => user.FindFirst("client_id")?.Value ?? "").RequireAuthorization();
        await api.StartAsync();
        return api;
    }

    private static async Task<(HttpStatusCode Status, string? Body)> CallAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/records");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null);
    }
}
