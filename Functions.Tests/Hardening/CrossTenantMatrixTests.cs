using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>Two tenants, each with an owner and its key, a member, an app with its secret, and a JWT of that app.</summary>
public sealed class CrossTenantFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public CrossTenantMatrixTests.Party A { get; private set; } = null!;

    public CrossTenantMatrixTests.Party B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await TestApp.StartAsync();
        A = await SeedAsync("tenant-a", "anna", "alex");
        B = await SeedAsync("tenant-b", "bruno", "bea");
    }

    public async Task DisposeAsync() => await App.DisposeAsync();

    private async Task<CrossTenantMatrixTests.Party> SeedAsync(string tenant, string owner, string member)
    {
        // Operator ids differ between the tenants, so that "B's operator id" names nothing in A.
        tenant += "-" + Guid.NewGuid().ToString("N")[..8];
        await App.CreateTenantAsync(tenant);
        // The owner's key carries every control-plane scope: each 404 below is owed to the tenant, never to a scope.
        string[] owners = ["records:read", "records:write", .. ServerlessAuth.Security.ControlPlaneScopes.All];
        await App.PutOperatorAsync(tenant, owner, "owner", owners);
        await App.PutOperatorAsync(tenant, member, "member", "records:read");
        var key = await App.IssueKeyAsync(tenant, owner, owners);
        var app = await AppTestData.RegisterInAsync(App, tenant, ["records:read"]);
        var jwt = await AppTestData.TokenAsync(App, app);

        // Last, so that no event of the seeding goes to its outbox; the host runs no queue worker (nothing is sent).
        var webhook = await TestApp.SendOkAsync(App.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/webhooks", new { url = $"https://{tenant}.example.com/hook", eventTypes = new[] { "*" } });
        return new CrossTenantMatrixTests.Party(
            (string)key["key"]!, app, jwt, new CrossTenantMatrixTests.Ids(tenant, member, (string)key["id"]!, app.AppId, app.SecretId, (string)webhook["id"]!, "msg_0000000000B" + Guid.NewGuid().ToString("N")[..12]));
    }
}

/// <summary>
/// SPEC §4 and §5: every control-plane route that takes a tenant, called by tenant A's owner with tenant B's ids (or
/// with A's tenant and B's resource ids), answers 404 <c>not_found</c> exactly as for a resource that does not exist,
/// and changes nothing. On the data plane A's app sees nothing of B's credentials and cannot revoke them. The matrix is
/// checked against <see cref="ServerlessAuthRoutes.All"/>: a new tenant route that is missing from it fails a test.
/// </summary>
public sealed class CrossTenantMatrixTests(CrossTenantFixture fixture) : IClassFixture<CrossTenantFixture>
{
    /// <summary>The ids a tenant route may take.</summary>
    public sealed record Ids(string Tenant, string Operator, string Key, string App, string Secret, string Webhook, string Delivery);

    /// <summary>One tenant's credentials and ids.</summary>
    public sealed record Party(string OwnerKey, AppTestData.RegisteredApp Client, string Jwt, Ids Ids);

    private static readonly Ids Unknown = new(
        "no-such-tenant", "nobody", "key_00000000000000000000", "5f0c8a52-5d7e-4a4e-9a57-0d1b2c3d4e5f", "sec_000000000000", "wh_00000000000000000000", "msg_00000000000AAAAAAAAAAAA");

    /// <summary>Every route of <see cref="ServerlessAuthRoutes.All"/> that takes <c>{tenantId}</c>: the request, built from the ids to use.</summary>
    private static readonly Dictionary<string, Func<Ids, HttpRequestMessage>> TenantRoutes = new()
    {
        [nameof(ServerlessAuthEndpoints.GetTenant)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}"),
        [nameof(ServerlessAuthEndpoints.UpdateTenant)] = i => Request("PATCH", $"/api/v1/tenants/{i.Tenant}", """{"name":"Hijacked","staleAfterDays":1,"autoRevokeStale":true}"""),
        [nameof(ServerlessAuthEndpoints.ListOperators)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/operators"),
        [nameof(ServerlessAuthEndpoints.PutOperator)] = i => Request("PUT", $"/api/v1/tenants/{i.Tenant}/operators/{i.Operator}", """{"displayName":"Mallory","role":"owner","permissions":[]}"""),
        [nameof(ServerlessAuthEndpoints.GetOperator)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/operators/{i.Operator}"),
        [nameof(ServerlessAuthEndpoints.DeleteOperator)] = i => Request("DELETE", $"/api/v1/tenants/{i.Tenant}/operators/{i.Operator}"),
        [nameof(ServerlessAuthEndpoints.IssueKey)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/keys", $$"""{"operatorId":"{{i.Operator}}","name":"stolen","scopes":[]}"""),
        [nameof(ServerlessAuthEndpoints.ListKeys)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/keys"),
        [nameof(ServerlessAuthEndpoints.GetKey)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/keys/{i.Key}"),
        [nameof(ServerlessAuthEndpoints.RevokeKey)] = i => Request("DELETE", $"/api/v1/tenants/{i.Tenant}/keys/{i.Key}"),
        [nameof(ServerlessAuthEndpoints.RotateKey)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/keys/{i.Key}/rotate", """{"overlapSeconds":604800}"""),
        [nameof(ServerlessAuthEndpoints.ListLogs)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/logs"),
        [nameof(ServerlessAuthEndpoints.CreateApp)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/apps", """{"name":"Mallory","description":"Reads everything","scopes":[]}"""),
        [nameof(ServerlessAuthEndpoints.ListApps)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/apps"),
        [nameof(ServerlessAuthEndpoints.GetApp)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/apps/{i.App}"),
        [nameof(ServerlessAuthEndpoints.RevokeApp)] = i => Request("DELETE", $"/api/v1/tenants/{i.Tenant}/apps/{i.App}"),
        [nameof(ServerlessAuthEndpoints.AddAppSecret)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/apps/{i.App}/secrets"),
        [nameof(ServerlessAuthEndpoints.DeleteAppSecret)] = i => Request("DELETE", $"/api/v1/tenants/{i.Tenant}/apps/{i.App}/secrets/{i.Secret}"),
        [nameof(ServerlessAuthEndpoints.CreateWebhook)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/webhooks", """{"url":"https://evil.example.com/","eventTypes":["*"]}"""),
        [nameof(ServerlessAuthEndpoints.ListWebhooks)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/webhooks"),
        [nameof(ServerlessAuthEndpoints.GetWebhook)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}"),
        [nameof(ServerlessAuthEndpoints.UpdateWebhook)] = i => Request("PATCH", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}", """{"url":"https://evil.example.com/","enabled":true}"""),
        [nameof(ServerlessAuthEndpoints.DeleteWebhook)] = i => Request("DELETE", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}"),
        [nameof(ServerlessAuthEndpoints.TestWebhook)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}/test"),
        [nameof(ServerlessAuthEndpoints.RotateWebhookSecret)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}/rotate-secret", """{"overlapSeconds":0}"""),
        [nameof(ServerlessAuthEndpoints.ListWebhookDeliveries)] = i => Request("GET", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}/deliveries"),
        [nameof(ServerlessAuthEndpoints.RedeliverWebhook)] = i => Request("POST", $"/api/v1/tenants/{i.Tenant}/webhooks/{i.Webhook}/deliveries/{i.Delivery}/redeliver"),
    };

    /// <summary>
    /// Tenant routes whose path names a resource besides the tenant, minus <c>PutOperator</c>: operator ids are names
    /// chosen per tenant, so A's owner putting "bea" in A creates A's own operator "bea" (201), which is no access to B.
    /// </summary>
    private static readonly string[] NotAResourceLookup = [nameof(ServerlessAuthEndpoints.PutOperator)];

    public static TheoryData<string> TenantRouteNames => Names(TenantRoutes.Keys);

    public static TheoryData<string> ResourceRouteNames => Names(TenantRoutes.Keys.Where(HasResourceId).Except(NotAResourceLookup));

    [Fact]
    public void Matrix_CoversEveryRouteThatTakesATenant()
    {
        var tenantRoutes = ServerlessAuthRoutes.All.Where(r => r.Template.Contains("{tenantId}", StringComparison.Ordinal)).Select(r => r.Name);
        Assert.Equal(tenantRoutes.Order(), TenantRoutes.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(TenantRouteNames))]
    public async Task ForeignTenant_Answers404ExactlyLikeAnUnknownOneAndChangesNothing(string route)
    {
        var before = await fixture.App.SnapshotAsync();

        var foreign = await SendAsync(fixture.A.OwnerKey, TenantRoutes[route](fixture.B.Ids));
        var unknown = await SendAsync(fixture.A.OwnerKey, TenantRoutes[route](Unknown));

        Assert.Equal(unknown, foreign);
        Assert.Equal(before, await fixture.App.SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(ResourceRouteNames))]
    public async Task ForeignResourceUnderOwnTenant_Answers404ExactlyLikeAnUnknownOneAndChangesNothing(string route)
    {
        var before = await fixture.App.SnapshotAsync();
        var own = fixture.A.Ids.Tenant;

        var foreign = await SendAsync(fixture.A.OwnerKey, TenantRoutes[route](fixture.B.Ids with { Tenant = own }));
        var unknown = await SendAsync(fixture.A.OwnerKey, TenantRoutes[route](Unknown with { Tenant = own }));
        Assert.Equal(unknown, foreign);

        if (route == nameof(ServerlessAuthEndpoints.DeleteAppSecret))
        {
            // A's own app, B's secret id.
            var mixed = await SendAsync(fixture.A.OwnerKey, TenantRoutes[route](fixture.B.Ids with { Tenant = own, App = fixture.A.Ids.App }));
            Assert.Equal(unknown, mixed);
        }

        Assert.Equal(before, await fixture.App.SnapshotAsync());
    }

    [Fact]
    public async Task IssueKey_ForAnotherTenantsOperatorAnswersLikeAnUnknownOperator()
    {
        var before = await fixture.App.SnapshotAsync();
        var own = fixture.A.Ids.Tenant;
        // An operator issues keys for itself only (403 naming operatorId), whoever the other operator is.
        var foreign = await SendAsync(fixture.A.OwnerKey, TenantRoutes[nameof(ServerlessAuthEndpoints.IssueKey)](fixture.B.Ids with { Tenant = own }), HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        var unknown = await SendAsync(fixture.A.OwnerKey, TenantRoutes[nameof(ServerlessAuthEndpoints.IssueKey)](Unknown with { Tenant = own }), HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal(unknown, foreign);
        Assert.Contains("\"field\":\"operatorId\"", foreign, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.App.SnapshotAsync());
    }

    public static TheoryData<string> ForeignCredentials => Names(["B's JWT", "B's API key"]);

    [Theory]
    [MemberData(nameof(ForeignCredentials))]
    public async Task Introspect_ByAnotherTenantsAppIsInactiveAndNothingMore(string credential)
    {
        var token = Credential(credential);
        using var response = await Form("/api/v1/introspect", token, fixture.A.Client);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"active":false}""", JsonNode.Parse(await response.Content.ReadAsStringAsync())!.ToJsonString());

        // The control: B's own app sees it active.
        using var own = await Form("/api/v1/introspect", token, fixture.B.Client);
        Assert.True((bool)JsonNode.Parse(await own.Content.ReadAsStringAsync())!["active"]!);
    }

    [Theory]
    [MemberData(nameof(ForeignCredentials))]
    public async Task Revoke_ByAnotherTenantsAppAnswers200AndTheCredentialStillValidates(string credential)
    {
        var token = Credential(credential);
        var before = await fixture.App.SnapshotAsync();

        using var response = await Form("/api/v1/revoke", token, fixture.A.Client);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());

        Assert.Equal(before, await fixture.App.SnapshotAsync());
        using var still = await AppTestData.ValidateAsync(fixture.App, token);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task Token_AppIdOfOneTenantWithTheSecretOfTheOtherIsInvalidClient()
    {
        var before = await fixture.App.SnapshotAsync();
        foreach (var (app, secret) in new[] { (fixture.A.Client.AppId, fixture.B.Client.Secret), (fixture.B.Client.AppId, fixture.A.Client.Secret) })
        {
            using var response = await TestApp.SendAsync(fixture.App.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = app, appSecret = secret });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("invalid_client", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
        }

        Assert.Equal(before, await fixture.App.SnapshotAsync());
    }

    [Fact]
    public async Task AfterTheWholeMatrix_EveryCredentialOfBStillWorks()
    {
        // The whole matrix again, in one test, so that this check follows all of it whatever order the tests run in.
        var own = fixture.A.Ids.Tenant;
        foreach (var (route, build) in TenantRoutes)
        {
            await SendAsync(fixture.A.OwnerKey, build(fixture.B.Ids));
            if (HasResourceId(route) && !NotAResourceLookup.Contains(route))
            {
                await SendAsync(fixture.A.OwnerKey, build(fixture.B.Ids with { Tenant = own }));
            }
        }

        foreach (var credential in new[] { fixture.B.Jwt, fixture.B.OwnerKey })
        {
            using (await Form("/api/v1/introspect", credential, fixture.A.Client))
            {
            }

            using (await Form("/api/v1/revoke", credential, fixture.A.Client))
            {
            }
        }

        foreach (var credential in new[] { fixture.B.OwnerKey, fixture.B.Jwt })
        {
            using var validated = await AppTestData.ValidateAsync(fixture.App, credential, "records:read");
            Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
            Assert.Equal(fixture.B.Ids.Tenant, (string?)JsonNode.Parse(await validated.Content.ReadAsStringAsync())!["tenantId"]);
        }

        Assert.NotEmpty(await AppTestData.TokenAsync(fixture.App, fixture.B.Client));
        var tenant = await TestApp.SendOkAsync(fixture.App.ClientWith(fixture.B.OwnerKey), HttpMethod.Get, $"/api/v1/tenants/{fixture.B.Ids.Tenant}");
        Assert.NotEqual("Hijacked", (string?)tenant["name"]);
        var operators = await TestApp.SendOkAsync(fixture.App.ClientWith(fixture.B.OwnerKey), HttpMethod.Get, $"/api/v1/tenants/{fixture.B.Ids.Tenant}/operators");
        Assert.Equal(2, operators["items"]!.AsArray().Count);
    }

    private static bool HasResourceId(string route) =>
        ServerlessAuthRoutes.All.Single(r => r.Name == route).Template.Replace("{tenantId}", "", StringComparison.Ordinal).Contains('{', StringComparison.Ordinal);

    private string Credential(string name) => name == "B's JWT" ? fixture.B.Jwt : fixture.B.OwnerKey;

    /// <summary>Sends with <paramref name="credential"/>; asserts the problem and answers its body as text.</summary>
    private async Task<string> SendAsync(string credential, HttpRequestMessage request, HttpStatusCode status = HttpStatusCode.NotFound, string code = ProblemCodes.NotFound)
    {
        using (request)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + credential);
            using var response = await fixture.App.CreateClient().SendAsync(request);
            var body = await Problem.AssertAsync(response, status, code);
            Assert.True(body is not null, $"{request.Method} {request.RequestUri}");
            return body.ToJsonString();
        }
    }

    private async Task<HttpResponseMessage> Form(string path, string token, AppTestData.RegisteredApp client) =>
        await AppTestData.PostFormAsync(fixture.App.CreateClient(), path, [new("token", token)], (client.AppId, client.Secret));

    private static HttpRequestMessage Request(string method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static TheoryData<string> Names(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }
}
