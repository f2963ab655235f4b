using System.Net;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tenants;

/// <summary>SPEC §5: the admin key does everything; an owner or admin manages its tenant; a member its own keys only.</summary>
public sealed class ControlPlaneAuthorizationTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private string _tenantA = null!;
    private string _tenantB = null!;
    private string _ownerA = null!;
    private string _memberA = null!;
    private string _ownerB = null!;
    private string _bobKeyId = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _tenantA = (string)(await _app.CreateTenantAsync())["id"]!;
        _tenantB = (string)(await _app.CreateTenantAsync())["id"]!;
        // The keys carry the control-plane scopes (ControlPlaneScopes): each refusal below is owed to the role or the
        // tenant. LeastPrivilegeRegressionTests and ControlPlaneMatrixTests cover keys without them.
        await _app.PutOperatorAsync(_tenantA, "olivia", "owner", ["contacts:read", "contacts:write", .. ControlPlaneScopes.All]);
        await _app.PutOperatorAsync(_tenantA, "bob", "member", "contacts:read", ControlPlaneScopes.Keys);
        await _app.PutOperatorAsync(_tenantB, "olivia", "owner", ["contacts:read", .. ControlPlaneScopes.All]);
        _ownerA = (string)(await _app.IssueKeyAsync(_tenantA, "olivia", ["contacts:read", .. ControlPlaneScopes.All]))["key"]!;
        var bobKey = await _app.IssueKeyAsync(_tenantA, "bob", ["contacts:read", ControlPlaneScopes.Keys]);
        _memberA = (string)bobKey["key"]!;
        _bobKeyId = (string)bobKey["id"]!;
        _ownerB = (string)(await _app.IssueKeyAsync(_tenantB, "olivia", ["contacts:read", .. ControlPlaneScopes.All]))["key"]!;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task CreateTenant_RequiresTheAdminKey()
    {
        using var response = await TestApp.SendAsync(_app.ClientWith(_ownerA), HttpMethod.Post, "/api/v1/tenants", new { name = "Sneaky" });
        await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task Owner_ManagesItsOwnTenant()
    {
        var op = await TestApp.SendOkAsync(_app.ClientWith(_ownerA), HttpMethod.Put, $"/api/v1/tenants/{_tenantA}/operators/carol",
            new { displayName = "Carol", role = "member", permissions = new[] { "contacts:read" } });
        Assert.Equal("member", (string?)op["role"]);

        // Keys for itself: a key for carol would act as carol (LeastPrivilegeRegressionTests).
        var key = await _app.IssueKeyAsync(_tenantA, "olivia", ["contacts:read"], client: _app.ClientWith(_ownerA));
        Assert.StartsWith("sa_live_", (string?)key["key"]);
        using var forCarol = await TestApp.SendAsync(_app.ClientWith(_ownerA), HttpMethod.Post, $"/api/v1/tenants/{_tenantA}/keys",
            new { operatorId = "carol", name = "carol's", scopes = new[] { "contacts:read" } });
        await Problem.AssertAsync(forCarol, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        var keys = await TestApp.SendOkAsync(_app.ClientWith(_ownerA), HttpMethod.Get, $"/api/v1/tenants/{_tenantA}/keys");
        Assert.True(keys["items"]!.AsArray().Count >= 3);
    }

    [Fact]
    public async Task OtherTenantsResources_AnswerExactlyLikeMissingOnes()
    {
        var routes = new[]
        {
            (HttpMethod.Get, "/api/v1/tenants/{0}"),
            (HttpMethod.Get, "/api/v1/tenants/{0}/operators"),
            (HttpMethod.Get, "/api/v1/tenants/{0}/operators/olivia"),
            (HttpMethod.Get, "/api/v1/tenants/{0}/keys"),
            (HttpMethod.Get, "/api/v1/tenants/{0}/keys/" + _bobKeyId),
            (HttpMethod.Delete, "/api/v1/tenants/{0}/keys/" + _bobKeyId),
            (HttpMethod.Delete, "/api/v1/tenants/{0}/operators/olivia"),
        };

        foreach (var (method, template) in routes)
        {
            using var foreign = await TestApp.SendAsync(_app.ClientWith(_ownerB), method, string.Format(null, template, _tenantA));
            using var missing = await TestApp.SendAsync(_app.ClientWith(_ownerB), method, string.Format(null, template, "no-such-tenant"));
            var foreignBody = await Problem.AssertAsync(foreign, HttpStatusCode.NotFound, ProblemCodes.NotFound);
            var missingBody = await Problem.AssertAsync(missing, HttpStatusCode.NotFound, ProblemCodes.NotFound);
            Assert.Equal(missingBody.ToJsonString(), foreignBody.ToJsonString());
        }

        // Nothing of tenant A was touched: bob's key still validates.
        using var still = await _app.ClientWith(_memberA).PostAsync("/api/v1/validate", null);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task Member_IssuesListsAndRevokesOnlyItsOwnKeys()
    {
        var member = _app.ClientWith(_memberA);
        var own = await _app.IssueKeyAsync(_tenantA, "bob", ["contacts:read"], client: member);
        Assert.Equal("bob", (string?)own["operatorId"]);

        using var forOther = await TestApp.SendAsync(member, HttpMethod.Post, $"/api/v1/tenants/{_tenantA}/keys",
            new { operatorId = "olivia", name = "x", scopes = Array.Empty<string>() });
        await Problem.AssertAsync(forOther, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        var list = await TestApp.SendOkAsync(member, HttpMethod.Get, $"/api/v1/tenants/{_tenantA}/keys");
        Assert.All(list["items"]!.AsArray(), k => Assert.Equal("bob", (string?)k!["operatorId"]));

        var ownersKeys = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenantA}/keys?operatorId=olivia");
        var ownersKeyId = (string)ownersKeys["items"]!.AsArray()[0]!["id"]!;
        using var revokeOther = await TestApp.SendAsync(member, HttpMethod.Delete, $"/api/v1/tenants/{_tenantA}/keys/{ownersKeyId}");
        await Problem.AssertAsync(revokeOther, HttpStatusCode.NotFound, ProblemCodes.NotFound);

        using var operators = await TestApp.SendAsync(member, HttpMethod.Get, $"/api/v1/tenants/{_tenantA}/operators");
        await Problem.AssertAsync(operators, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task IssueKey_RefusesScopesBeyondTheOperatorsPermissions()
    {
        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{_tenantA}/keys",
            new { operatorId = "bob", name = "too much", scopes = new[] { "contacts:read", "contacts:write" } });
        var body = await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("contacts:write", (string?)body["scope"]);
    }

    [Fact]
    public async Task Operator_CannotGrantARoleOrPermissionAboveItsOwn()
    {
        await _app.PutOperatorAsync(_tenantA, "adam", "admin", ["contacts:read", .. ControlPlaneScopes.All]);
        var adamKey = (string)(await _app.IssueKeyAsync(_tenantA, "adam", ["contacts:read", .. ControlPlaneScopes.All]))["key"]!;
        var adam = _app.ClientWith(adamKey);

        using var owner = await TestApp.SendAsync(adam, HttpMethod.Put, $"/api/v1/tenants/{_tenantA}/operators/eve",
            new { displayName = "Eve", role = "owner", permissions = Array.Empty<string>() });
        await Problem.AssertAsync(owner, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        using var permission = await TestApp.SendAsync(adam, HttpMethod.Put, $"/api/v1/tenants/{_tenantA}/operators/eve",
            new { displayName = "Eve", role = "member", permissions = new[] { "contacts:write" } });
        await Problem.AssertAsync(permission, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        using var demoteOwner = await TestApp.SendAsync(adam, HttpMethod.Delete, $"/api/v1/tenants/{_tenantA}/operators/olivia");
        await Problem.AssertAsync(demoteOwner, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task UpdateTenant_LetsAnOwnerChangePolicyButNotThePlanOrApiSwitch()
    {
        var updated = await TestApp.SendOkAsync(_app.ClientWith(_ownerA), HttpMethod.Patch, $"/api/v1/tenants/{_tenantA}", new { staleAfterDays = 30 });
        Assert.Equal(30, (int?)updated["staleAfterDays"]);

        using var plan = await TestApp.SendAsync(_app.ClientWith(_ownerA), HttpMethod.Patch, $"/api/v1/tenants/{_tenantA}", new { plan = "enterprise" });
        var body = await Problem.AssertAsync(plan, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("plan", (string?)body["field"]);

        using var member = await TestApp.SendAsync(_app.ClientWith(_memberA), HttpMethod.Patch, $"/api/v1/tenants/{_tenantA}", new { staleAfterDays = 10 });
        await Problem.AssertAsync(member, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);

        var tenant = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenantA}");
        Assert.Equal(30, (int?)tenant["staleAfterDays"]);
        Assert.Equal("pro", (string?)tenant["plan"]);
    }

    [Fact]
    public async Task CreateTenant_ExistingIdIsAConflictAndLeavesTheTenantUnchanged()
    {
        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, "/api/v1/tenants", new { id = _tenantA, name = "Impostor" });
        await Problem.AssertAsync(response, HttpStatusCode.Conflict, ProblemCodes.Conflict);
        var tenant = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenantA}");
        Assert.NotEqual("Impostor", (string?)tenant["name"]);
    }

    [Fact]
    public async Task ApiDisabledTenant_CannotUseTheControlPlaneEither()
    {
        var (tenant, key, _) = await _app.SeedAsync("owner", "a");
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{tenant}", new { apiEnabled = false });
        using var response = await TestApp.SendAsync(_app.ClientWith(key), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys");
        await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.ApiNotEnabled);
    }
}
