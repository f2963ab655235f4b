using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Apps;

/// <summary>App registrations over HTTP (the Kinabase flow): create, read, list, secrets, revoke.</summary>
public sealed class AppRegistrationHttpTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task CreateApp_ShowsUuidAndA64ByteSecretOnceAndNeverInReadsOrListings()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps",
            new { name = "Sync", description = "Pulls records every hour", scopes = new[] { "records:read" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;

        var appId = (string)created["appId"]!;
        var secret = (string)created["appSecret"]!;
        Assert.True(Guid.TryParseExact(appId, "D", out _));
        Assert.Equal(64, Convert.FromBase64String(secret).Length);
        Assert.StartsWith("sec_", (string?)created["secretId"]);
        Assert.Equal("active", (string?)created["status"]);
        Assert.Equal($"/api/v1/tenants/{tenant}/apps/{appId}", response.Headers.Location?.OriginalString);

        var read = await _app.Admin().GetStringAsync($"/api/v1/tenants/{tenant}/apps/{appId}");
        var list = await _app.Admin().GetStringAsync($"/api/v1/tenants/{tenant}/apps");
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain(secret[..20], list);
        Assert.DoesNotContain("appSecret", read + list);
        Assert.Equal([appId], JsonNode.Parse(list)!["items"]!.AsArray().Select(a => (string)a!["appId"]!));
        Assert.Equal("Pulls records every hour", (string?)JsonNode.Parse(read)!["description"]);
    }

    [Theory]
    [InlineData("""{"name":"Sync","scopes":[]}""", "description")]
    [InlineData("""{"description":"d","scopes":[]}""", "name")]
    [InlineData("""{"name":"","description":"d","scopes":[]}""", "name")]
    [InlineData("""{"name":"Sync","description":"   ","scopes":[]}""", "description")]
    public async Task CreateApp_RequiresNameAndDescriptionAndChangesNothingWithout(string body, string field)
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        var before = await _app.SnapshotAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _app.Admin().PostAsync($"/api/v1/tenants/{tenant}/apps", content);
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        Assert.Contains(field, ((string?)problem["field"] ?? "") + (string?)problem["detail"]);
        Assert.Equal(before, await _app.SnapshotAsync());
    }

    [Fact]
    public async Task CreateApp_RefusesScopesTheRegisteringOperatorDoesNotHold()
    {
        var (tenant, ownerKey, _) = await _app.SeedAsync("owner", "records:read", "serverlessauth:apps");
        using var response = await TestApp.SendAsync(_app.ClientWith(ownerKey), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps",
            new { name = "Sync", description = "d", scopes = new[] { "records:read", "records:delete" } });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("records:delete", (string?)problem["scope"]);

        var allowed = await AppTestData.RegisterInAsync(_app, tenant, ["records:read"], _app.ClientWith(ownerKey));
        Assert.NotEmpty(allowed.Secret);
    }

    [Fact]
    public async Task CreateApp_MemberIsRefusedAndAnotherTenantsAppAnswers404()
    {
        var (tenant, memberKey, _) = await _app.SeedAsync("member", "a");
        using var refused = await TestApp.SendAsync(_app.ClientWith(memberKey), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps",
            new { name = "Sync", description = "d", scopes = new[] { "a" } });
        await Problem.AssertAsync(refused, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        var (_, otherOwnerKey, _) = await _app.SeedAsync("owner", "a");
        var registered = await AppTestData.RegisterInAsync(_app, tenant, ["a"]);
        using var foreign = await _app.ClientWith(otherOwnerKey).GetAsync($"/api/v1/tenants/{tenant}/apps/{registered.AppId}");
        await Problem.AssertAsync(foreign, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        using var missing = await _app.Admin().GetAsync($"/api/v1/tenants/{tenant}/apps/{Guid.NewGuid()}");
        await Problem.AssertAsync(missing, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task Secrets_AtMostTwoActiveAndTheLastOneCannotBeDeleted()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var path = $"/api/v1/tenants/{registered.Tenant}/apps/{registered.AppId}";

        using var onlyOne = await _app.Admin().DeleteAsync($"{path}/secrets/{registered.SecretId}");
        await Problem.AssertAsync(onlyOne, HttpStatusCode.Conflict, ProblemCodes.Conflict);

        var second = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"{path}/secrets");
        var secondSecret = (string)second["appSecret"]!;
        Assert.Equal(64, Convert.FromBase64String(secondSecret).Length);

        using var third = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"{path}/secrets");
        await Problem.AssertAsync(third, HttpStatusCode.Conflict, ProblemCodes.Conflict);

        // Rotation: both work during the overlap, the old one stops once deleted.
        Assert.NotEmpty(await AppTestData.TokenAsync(_app, registered));
        using var deleted = await _app.Admin().DeleteAsync($"{path}/secrets/{registered.SecretId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var oldSecret = await TestApp.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });
        Assert.Equal(HttpStatusCode.Unauthorized, oldSecret.StatusCode);
        Assert.NotEmpty(await AppTestData.TokenAsync(_app, registered with { Secret = secondSecret }));

        var app = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, path);
        Assert.Equal([(string)second["secretId"]!], app["secrets"]!.AsArray().Select(s => (string)s!["secretId"]!));
    }

    [Fact]
    public async Task RevokeApp_IsIdempotentAndStopsItsSecretsAndItsTokens()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);
        using (var before = await AppTestData.ValidateAsync(_app, token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var path = $"/api/v1/tenants/{registered.Tenant}/apps/{registered.AppId}";
        var first = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, path);
        var second = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, path);
        Assert.Equal("revoked", (string?)second["status"]);
        Assert.Equal((string?)first["revokedAt"], (string?)second["revokedAt"]);

        using var after = await AppTestData.ValidateAsync(_app, token);
        await Problem.AssertAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);

        using var refused = await TestApp.SendAsync(_app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("invalid_client", (string?)error["error"]);
        Assert.Contains("revoked", (string?)error["error_description"]);
    }
}
