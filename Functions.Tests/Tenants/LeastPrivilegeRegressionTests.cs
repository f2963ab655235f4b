using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessAuth.Tests.Tenants;

/// <summary>
/// Issue 13: the seven ways a caller gained what it was not given, tried as the attacker did, each one a test. The
/// control-plane scopes are spelt out here (not taken from the library) so that these tests also run, and fail,
/// against the code from before the fix.
/// </summary>
public sealed class LeastPrivilegeRegressionTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Keys = "serverlessauth:keys";
    private const string Operators = "serverlessauth:operators";
    private const string Apps = "serverlessauth:apps";
    private const string TenantScope = "serverlessauth:tenant";
    private const string Logs = "serverlessauth:logs";
    private static readonly string[] ControlPlane = [Keys, Operators, Apps, TenantScope, Logs];

    // 40 minutes before the rate-limit window ends at 13:00 UTC.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 20, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();
    private TestApp _app = null!;
    private string _tenant = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(_time, services: s => s.AddSingleton<ILoggerProvider>(_logs));
        _tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(_tenant, "olivia", "owner", ["billing:admin", "contacts:read", "contacts:write", .. ControlPlane]);
        await _app.PutOperatorAsync(_tenant, "adam", "admin", ["contacts:read", .. ControlPlane]);
        await _app.PutOperatorAsync(_tenant, "mia", "member", "contacts:read", Keys);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _logs.Dispose();

    /// <summary>Item 1: an admin obtained a key acting as the owner (issue or rotate), then made itself owner with it.</summary>
    [Fact]
    public async Task Manager_NeverObtainsAKeyThatActsAsAnotherOperator()
    {
        var adam = await KeyOfAsync("adam", ["contacts:read", .. ControlPlane]);
        var ownersKey = await _app.IssueKeyAsync(_tenant, "olivia", ["billing:admin", .. ControlPlane]);

        using var issue = await TestApp.SendAsync(adam, HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys",
            new { operatorId = "olivia", name = "mine now", scopes = new[] { "billing:admin" } });
        var issueProblem = await Problem.AssertAsync(issue, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("operatorId", (string?)issueProblem["field"]);

        using var rotate = await TestApp.SendAsync(adam, HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys/{ownersKey["id"]}/rotate", new { overlapSeconds = 3600 });
        var rotateText = await rotate.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, rotate.StatusCode);
        Assert.DoesNotContain("sa_live_", rotateText);

        // A member cannot even learn that the owner's key exists.
        var mia = await KeyOfAsync("mia", ["contacts:read", Keys]);
        using var memberRotate = await TestApp.SendAsync(mia, HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys/{ownersKey["id"]}/rotate", new { overlapSeconds = 0 });
        await Problem.AssertAsync(memberRotate, HttpStatusCode.NotFound, ProblemCodes.NotFound);

        // Nothing happened to the owner: its key is active and unrotated, no key of the owner was added, and the admin
        // cannot raise itself either.
        var ownerKeys = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/keys?operatorId=olivia");
        var only = Assert.Single(ownerKeys["items"]!.AsArray());
        Assert.Null(only!["rotatedTo"]);
        using var promote = await TestApp.SendAsync(adam, HttpMethod.Put, $"/api/v1/tenants/{_tenant}/operators/adam",
            new { displayName = "adam", role = "owner", permissions = new[] { "contacts:read" } });
        await Problem.AssertAsync(promote, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    /// <summary>Item 2: a secret added to an app acts as the app, so adding one grants the app's scopes.</summary>
    [Fact]
    public async Task AddAppSecret_RefusesAnAppWhoseScopesExceedTheCallersPermissions()
    {
        var platform = await AppTestData.RegisterInAsync(_app, _tenant, ["platform:superuser"]);
        var adam = await KeyOfAsync("adam", ["contacts:read", .. ControlPlane]);

        using var response = await TestApp.SendAsync(adam, HttpMethod.Post, $"/api/v1/tenants/{_tenant}/apps/{platform.AppId}/secrets");
        var problem = await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("platform:superuser", (string?)problem["scope"]);
        Assert.DoesNotContain("appSecret", problem.ToJsonString());

        var app = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/apps/{platform.AppId}");
        Assert.Single(app["secrets"]!.AsArray());

        // Within its own permissions the same admin still rotates an app's secrets.
        var reports = await AppTestData.RegisterInAsync(_app, _tenant, ["contacts:read"]);
        var added = await TestApp.SendOkAsync(adam, HttpMethod.Post, $"/api/v1/tenants/{_tenant}/apps/{reports.AppId}/secrets");
        Assert.NotNull((string?)added["appSecret"]);
    }

    /// <summary>Item 3: a leaked key issued for reading contacts was full tenant management.</summary>
    [Fact]
    public async Task NarrowKey_CannotManageTheTenantItsOperatorManages()
    {
        var narrow = await KeyOfAsync("olivia", ["contacts:read"]);
        var refused = new (HttpMethod Method, string Path, object? Body, string Scope)[]
        {
            (HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys", new { operatorId = "olivia", name = "wider", scopes = new[] { "contacts:read" } }, Keys),
            (HttpMethod.Get, $"/api/v1/tenants/{_tenant}/keys", null, Keys),
            (HttpMethod.Put, $"/api/v1/tenants/{_tenant}/operators/eve", new { displayName = "Eve", role = "member", permissions = new[] { "contacts:read" } }, Operators),
            (HttpMethod.Get, $"/api/v1/tenants/{_tenant}/operators", null, Operators),
            (HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/operators/mia", null, Operators),
            (HttpMethod.Post, $"/api/v1/tenants/{_tenant}/apps", new { name = "Exfil", description = "Reads everything", scopes = new[] { "contacts:read" } }, Apps),
            (HttpMethod.Patch, $"/api/v1/tenants/{_tenant}", new { autoRevokeStale = true, staleAfterDays = 1 }, TenantScope),
            (HttpMethod.Get, $"/api/v1/tenants/{_tenant}/logs", null, Logs),
        };

        var before = await _app.SnapshotAsync();
        foreach (var (method, path, body, scope) in refused)
        {
            using var response = await TestApp.SendAsync(narrow, method, path, body);
            var problem = await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
            Assert.Equal(scope, (string?)problem["scope"]);
            Assert.Contains($"scope=\"{scope}\"", Problem.Challenge(response), StringComparison.Ordinal);
        }

        // Reading the tenant and oneself needs no control-plane scope; nothing above changed anything.
        await TestApp.SendOkAsync(narrow, HttpMethod.Get, $"/api/v1/tenants/{_tenant}");
        await TestApp.SendOkAsync(narrow, HttpMethod.Get, $"/api/v1/tenants/{_tenant}/operators/olivia");
        Assert.Equal(before, await _app.SnapshotAsync());
    }

    /// <summary>Item 4: keys issued while their operator is removed stayed active, and validated again once an operator of that id was back.</summary>
    [Fact]
    public async Task KeysIssuedWhileTheirOperatorIsRemoved_NeverSurviveNorComeBack()
    {
        await _app.PutOperatorAsync(_tenant, "racer", "member", "contacts:read", Keys);
        var issued = new ConcurrentBag<(string Id, string Key)>();
        var refusals = new ConcurrentBag<string>();
        var removed = 0;

        async Task IssueUntilRemovedAsync()
        {
            var admin = _app.Admin();
            var last = false;
            while (!last)
            {
                last = Volatile.Read(ref removed) == 1;
                using var response = await TestApp.SendAsync(admin, HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys",
                    new { operatorId = "racer", name = "racing", scopes = new[] { "contacts:read" } });
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var body = JsonNode.Parse(text)!;
                    issued.Add(((string)body["id"]!, (string)body["key"]!));
                }
                else
                {
                    refusals.Add($"{(int)response.StatusCode}");
                }
            }
        }

        var issuers = Enumerable.Range(0, 10).Select(_ => Task.Run(IssueUntilRemovedAsync)).ToList();
        while (issued.IsEmpty)
        {
            await Task.Delay(10);
        }

        using (var delete = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/operators/racer"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Volatile.Write(ref removed, 1);
        await Task.WhenAll(issuers);

        // How many issues the removal's first step stopped in storage (their transaction met no grant fence): the race
        // this test is about, when it happened this time.
        var fenced = _logs.Lines.Count(l => l.Contains(" 3300 ", StringComparison.Ordinal));
        output.WriteLine($"{issued.Count} keys issued while racing the removal, {fenced} stopped by the fence; refused: {string.Join(", ", refusals.GroupBy(r => r).Select(g => $"{g.Count()} × {g.Key}"))}");
        Assert.NotEmpty(issued);
        Assert.All(refusals, status => Assert.Contains(status, new[] { "400", "409" }));
        await AssertNoneWorksAsync();

        // An operator of the same id, created again, inherits nothing.
        await _app.PutOperatorAsync(_tenant, "racer", "member", "contacts:read", Keys);
        await AssertNoneWorksAsync();

        async Task AssertNoneWorksAsync()
        {
            foreach (var (_, key) in issued)
            {
                using var response = await AppTestData.ValidateAsync(_app, key);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }

            var active = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/keys?operatorId=racer&status=active");
            Assert.Empty(active["items"]!.AsArray());
        }
    }

    /// <summary>Item 4, the defense in depth: a key the removal missed stays dead when its operator's id is reused.</summary>
    [Fact]
    public async Task KeyOfARemovedOperator_DoesNotValidateForAnOperatorCreatedAgainWithItsId()
    {
        await _app.PutOperatorAsync(_tenant, "ghost", "member", "contacts:read");
        var key = (string)(await _app.IssueKeyAsync(_tenant, "ghost", ["contacts:read"]))["key"]!;

        // The operator row disappears without its keys being revoked (as if a removal had missed this key).
        var table = new TableServiceClient((await AzuriteServer.Shared).ConnectionString).GetTableClient(_app.TablePrefix + "Tenants");
        await table.DeleteEntityAsync(_tenant, "operator|ghost");
        await _app.PutOperatorAsync(_tenant, "ghost", "member", "contacts:read");

        using var response = await AppTestData.ValidateAsync(_app, key);
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    /// <summary>Item 5: an app kept the permissions of its registrant after the registrant lost them, and after it was removed.</summary>
    [Fact]
    public async Task App_LosesWhatItsRegistrantLosesAndEndsWithIt()
    {
        await _app.PutOperatorAsync(_tenant, "adam", "admin", ["contacts:read", "contacts:write", .. ControlPlane]);
        var adam = await KeyOfAsync("adam", ["contacts:read", "contacts:write", .. ControlPlane]);
        var app = await AppTestData.RegisterInAsync(_app, _tenant, ["contacts:read", "contacts:write"], adam);
        var jwt = await AppTestData.TokenAsync(_app, app);
        using (var before = await AppTestData.ValidateAsync(_app, jwt, "contacts:write"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await _app.PutOperatorAsync(_tenant, "adam", "admin", ["contacts:read", .. ControlPlane]);
        using (var narrowed = await AppTestData.ValidateAsync(_app, jwt, "contacts:write"))
        {
            await Problem.AssertAsync(narrowed, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        }

        using (var introspected = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/introspect", [new("token", jwt)], (app.AppId, app.Secret)))
        {
            var body = JsonNode.Parse(await introspected.Content.ReadAsStringAsync())!;
            Assert.True((bool?)body["active"]);
            Assert.Equal("contacts:read", (string?)body["scope"]);
        }

        using (var token = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token", [new("grant_type", "client_credentials")], (app.AppId, app.Secret)))
        {
            var body = JsonNode.Parse(await token.Content.ReadAsStringAsync())!;
            Assert.Equal(HttpStatusCode.OK, token.StatusCode);
            Assert.Equal("contacts:read", (string?)body["scope"]);
        }

        using (var delete = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/operators/adam"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var ended = await AppTestData.ValidateAsync(_app, jwt))
        {
            await Problem.AssertAsync(ended, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }

        var stored = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/apps/{app.AppId}");
        Assert.Equal("revoked", (string?)stored["status"]);
        var log = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{_tenant}/logs?type=app.revoked&credentialId={app.AppId}");
        Assert.Single(log["items"]!.AsArray());
    }

    /// <summary>Item 6: rotating a key that hit its hourly limit gave a fresh budget.</summary>
    [Fact]
    public async Task RotatedKey_KeepsTheSpentHourlyBudgetOfTheKeyItReplaces()
    {
        var issued = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys",
            new { operatorId = "mia", name = "limited", scopes = new[] { "contacts:read", Keys }, rateLimitPerHour = 3 });
        var key = (string)issued["key"]!;
        for (var i = 0; i < 3; i++)
        {
            using var ok = await AppTestData.ValidateAsync(_app, key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var limited = await AppTestData.ValidateAsync(_app, key))
        {
            await Problem.AssertAsync(limited, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        }

        // The member rotates its own key to get out of the limit: the new key is still limited.
        var rotated = await TestApp.SendOkAsync(_app.ClientWith(key), HttpMethod.Post, $"/api/v1/tenants/{_tenant}/keys/{issued["id"]}/rotate", new { overlapSeconds = 0 });
        var next = (string)rotated["key"]!;
        using (var still = await AppTestData.ValidateAsync(_app, next))
        {
            await Problem.AssertAsync(still, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        }

        _time.Advance(TimeSpan.FromMinutes(40));
        using var reset = await AppTestData.ValidateAsync(_app, next);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
    }

    /// <summary>Item 7: a 400 echoed an unknown member's name (an API key, a script) and .NET type names.</summary>
    [Fact]
    public async Task BadJson_NeverEchoesCallerMemberNamesNorInternalTypeNames()
    {
        var apiKey = (string)(await _app.IssueKeyAsync(_tenant, "mia", ["contacts:read"]))["key"]!;
        var script = "<script>alert(1)</script>";
        var bodies = new[]
        {
            $$"""{"name":"Acme","{{apiKey}}":1}""",
            $$"""{"name":"Acme","{{script}}":1}""",
            $$"""{"{{apiKey}}":{"nested":true},"name":"Acme"}""",
            """{"name":5}""",
            """{"name":"Acme","apiEnabled":"yes"}""",
            """{"plan":"pro"}""",
            """{"name":"Acme","name":"Twice"}""",
            """{"name":"Acme",""",
            """[1,2]""",
        };

        var before = await _app.SnapshotAsync();
        foreach (var body in bodies)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await _app.Admin().PostAsync("/api/v1/tenants", content);
            var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
            var text = problem.ToJsonString();
            Assert.DoesNotContain(apiKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(apiKey[..20], text, StringComparison.Ordinal);
            Assert.DoesNotContain("script", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ServerlessAuth.", text, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        }

        // The OAuth endpoints' form parameters likewise: a made-up name is not repeated back.
        using var form = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/token", [new(apiKey, "1"), new(apiKey, "2"), new("grant_type", "client_credentials")]);
        var formText = await form.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.DoesNotContain(apiKey[..20], formText, StringComparison.Ordinal);

        Assert.Equal(before, await _app.SnapshotAsync());
    }

    private async Task<HttpClient> KeyOfAsync(string operatorId, string[] scopes) =>
        _app.ClientWith((string)(await _app.IssueKeyAsync(_tenant, operatorId, scopes))["key"]!);
}
