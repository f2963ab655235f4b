using System.Net;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// The webhook routes as a provider's backend and an attacker use them: the secret shown once, bad input refused with
/// the field named and nothing stored, another tenant's endpoints indistinguishable from missing ones, members refused,
/// at most ten endpoints per tenant. The host runs in Development without <c>AllowLoopback</c>.
/// </summary>
public sealed class WebhookEndpointHttpTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private string _tenantA = null!;
    private string _tenantB = null!;
    private string _ownerA = null!;
    private string _memberA = null!;
    private string _ownerB = null!;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync();
        _tenantA = (string)(await _app.CreateTenantAsync())["id"]!;
        _tenantB = (string)(await _app.CreateTenantAsync())["id"]!;
        // Keys that carry the webhooks scope, so that what refuses a member is its role.
        string[] permissions = ["a", ControlPlaneScopes.Webhooks];
        await _app.PutOperatorAsync(_tenantA, "olivia", "owner", permissions);
        await _app.PutOperatorAsync(_tenantA, "bob", "member", permissions);
        await _app.PutOperatorAsync(_tenantB, "olivia", "owner", permissions);
        _ownerA = (string)(await _app.IssueKeyAsync(_tenantA, "olivia", permissions))["key"]!;
        _memberA = (string)(await _app.IssueKeyAsync(_tenantA, "bob", permissions))["key"]!;
        _ownerB = (string)(await _app.IssueKeyAsync(_tenantB, "olivia", permissions))["key"]!;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>The expected field of a body whose fault is a member the endpoint does not accept: none.</summary>
    private const string Unnamed = "(not named)";

    private static string Hooks(string tenant) => $"/api/v1/tenants/{tenant}/webhooks";

    [Fact]
    public async Task Create_AnswersTheSecretOnceAndNeverAgain()
    {
        using var created = await TestApp.SendAsync(_app.ClientWith(_ownerA), HttpMethod.Post, Hooks(_tenantA),
            new { url = "https://hooks.example.com/serverlessauth?team=7", description = "Billing backend", eventTypes = new[] { "key.revoked", "key.expired" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        var body = JsonNode.Parse(await created.Content.ReadAsStringAsync())!.AsObject();
        var secret = (string)body["secret"]!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Equal(new[] { "key.expired", "key.revoked" }, body["eventTypes"]!.AsArray().Select(t => (string)t!));
        Assert.True((bool)body["enabled"]!);
        var id = (string)body["id"]!;
        Assert.Equal($"{Hooks(_tenantA)}/{id}", created.Headers.Location?.ToString());

        var read = await (await _app.Admin().GetAsync($"{Hooks(_tenantA)}/{id}")).Content.ReadAsStringAsync();
        var listed = await (await _app.Admin().GetAsync(Hooks(_tenantA))).Content.ReadAsStringAsync();
        Assert.Contains("hooks.example.com", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], read + listed, StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(read)!["secret"]);
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { """{"eventTypes":["*"]}""", "url" },
        { """{"url":"ftp://hooks.example.com/x","eventTypes":["*"]}""", "url" },
        { """{"url":"/relative","eventTypes":["*"]}""", "url" },
        { """{"url":"https://user:password@hooks.example.com/x","eventTypes":["*"]}""", "url" },
        { """{"url":"https://hooks.example.com/x#frag","eventTypes":["*"]}""", "url" },
        { """{"url":"https://localhost/x","eventTypes":["*"]}""", "url" },
        { """{"url":"http://127.0.0.1:8080/x","eventTypes":["*"]}""", "url" },
        { """{"url":"https://10.1.2.3/x","eventTypes":["*"]}""", "url" },
        { """{"url":"https://169.254.169.254/latest/meta-data","eventTypes":["*"]}""", "url" },
        { """{"url":"https://[fd00:ec2::254]/x","eventTypes":["*"]}""", "url" },
        { """{"url":"https://[::ffff:192.168.0.1]/x","eventTypes":["*"]}""", "url" },
        { """{"url":"https://100.64.0.1/x","eventTypes":["*"]}""", "url" },
        { """{"url":"https://hooks.example.com/x"}""", "eventTypes" },
        { """{"url":"https://hooks.example.com/x","eventTypes":[]}""", "eventTypes" },
        { """{"url":"https://hooks.example.com/x","eventTypes":["key.deleted"]}""", "eventTypes" },
        { """{"url":"https://hooks.example.com/x","eventTypes":["usage.daily"]}""", "eventTypes" },
        { """{"url":"https://hooks.example.com/x","eventTypes":["*"],"description":"\u0007"}""", "description" },
        { """{"url":"https://hooks.example.com/x","eventTypes":["*"],"secret":"whsec_AAAA"}""", Unnamed },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_RefusesBadInputNamingTheFieldAndStoresNothing(string json, string field)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _app.Admin().PostAsync(Hooks(_tenantB), content);
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);

        // A member at fault is named in "field" (or a missing one in the detail); a member the endpoint does not know is
        // never named: its name is the caller's text, which an error must not echo.
        if (field == Unnamed)
        {
            Assert.Null(problem["field"]);
            Assert.DoesNotContain("secret", (string)problem["detail"]!, StringComparison.Ordinal);
        }
        else
        {
            Assert.True((string?)problem["field"] == field || ((string)problem["detail"]!).Contains($"'{field}'", StringComparison.Ordinal), problem.ToJsonString());
        }

        Assert.Empty((await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, Hooks(_tenantB)))["items"]!.AsArray());
    }

    [Fact]
    public async Task OtherTenantsEndpoints_AnswerNotFoundByteForByteLikeMissingOnes()
    {
        var (hookB, _) = await WebhookTestHost.CreateEndpointAsync(_app, _tenantB, "https://b.example.com/hook");
        var (hookA, _) = await WebhookTestHost.CreateEndpointAsync(_app, _tenantA, "https://a.example.com/hook");
        var missing = "wh_" + new string('x', 20);
        var client = _app.ClientWith(_ownerA);
        foreach (var (method, suffix, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "", null), (HttpMethod.Patch, "", new { enabled = false }), (HttpMethod.Delete, "", null),
            (HttpMethod.Post, "/test", null), (HttpMethod.Post, "/rotate-secret", null), (HttpMethod.Get, "/deliveries", null),
            (HttpMethod.Post, "/deliveries/msg_00000000000AAAAAAAAAAAA/redeliver", null),
        })
        {
            using var foreign = await TestApp.SendAsync(client, method, $"{Hooks(_tenantB)}/{hookB}{suffix}", body);
            using var absent = await TestApp.SendAsync(client, method, $"{Hooks(_tenantA)}/{missing}{suffix}", body);
            await Problem.AssertAsync(foreign, HttpStatusCode.NotFound, ProblemCodes.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await foreign.Content.ReadAsStringAsync());
        }

        using var list = await TestApp.SendAsync(client, HttpMethod.Get, Hooks(_tenantB));
        using var create = await TestApp.SendAsync(client, HttpMethod.Post, Hooks(_tenantB), new { url = "https://evil.example.com/", eventTypes = new[] { "*" } });
        await Problem.AssertAsync(list, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await Problem.AssertAsync(create, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.True((bool)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"{Hooks(_tenantB)}/{hookB}"))["enabled"]!);
        Assert.Single((await TestApp.SendOkAsync(_app.ClientWith(_ownerB), HttpMethod.Get, Hooks(_tenantB)))["items"]!.AsArray());
        Assert.Single((await TestApp.SendOkAsync(client, HttpMethod.Get, Hooks(_tenantA)))["items"]!.AsArray(), h => (string?)h!["id"] == hookA);
    }

    [Fact]
    public async Task Member_IsRefusedEveryWebhookRoute()
    {
        var (hook, _) = await WebhookTestHost.CreateEndpointAsync(_app, _tenantA, "https://a.example.com/member-test");
        var member = _app.ClientWith(_memberA);
        using var list = await TestApp.SendAsync(member, HttpMethod.Get, Hooks(_tenantA));
        using var create = await TestApp.SendAsync(member, HttpMethod.Post, Hooks(_tenantA), new { url = "https://m.example.com/", eventTypes = new[] { "*" } });
        using var update = await TestApp.SendAsync(member, HttpMethod.Patch, $"{Hooks(_tenantA)}/{hook}", new { enabled = false });
        using var rotate = await TestApp.SendAsync(member, HttpMethod.Post, $"{Hooks(_tenantA)}/{hook}/rotate-secret");
        foreach (var response in new[] { list, create, update, rotate })
        {
            await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        }

        Assert.True((bool)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"{Hooks(_tenantA)}/{hook}"))["enabled"]!);
    }

    [Fact]
    public async Task Tenant_HasAtMostTenEndpointsEvenWhenCreatedConcurrently()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        for (var i = 0; i < 8; i++)
        {
            await WebhookTestHost.CreateEndpointAsync(_app, tenant, $"https://h{i}.example.com/");
        }

        // Four creations race for the last two places: never more than ten, the others refused with 409.
        var racing = await Task.WhenAll(Enumerable.Range(8, 4).Select(i =>
            TestApp.SendAsync(_app.Admin(), HttpMethod.Post, Hooks(tenant), new { url = $"https://h{i}.example.com/", eventTypes = new[] { "*" } })));
        Assert.All(racing, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Equal(2, racing.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(10, (await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, Hooks(tenant)))["items"]!.AsArray().Count);
        using var eleventh = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, Hooks(tenant), new { url = "https://h11.example.com/", eventTypes = new[] { "*" } });
        Assert.Contains("10 webhook endpoints", (string?)(await Problem.AssertAsync(eleventh, HttpStatusCode.Conflict, ProblemCodes.Conflict))["detail"], StringComparison.Ordinal);

        // Deleting one frees its place.
        var first = (string)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, Hooks(tenant)))["items"]![0]!["id"]!;
        using var deleted = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"{Hooks(tenant)}/{first}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await TestApp.SendAsync(_app.Admin(), HttpMethod.Get, $"{Hooks(tenant)}/{first}");
        await Problem.AssertAsync(again, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await WebhookTestHost.CreateEndpointAsync(_app, tenant, "https://replacement.example.com/");
        foreach (var response in racing)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Update_ChangesOnlyWhatItNamesAndRefusesBadValues()
    {
        var (hook, _) = await WebhookTestHost.CreateEndpointAsync(_app, _tenantA, "https://a.example.com/update", ["key.revoked"]);
        var updated = await TestApp.SendOkAsync(_app.ClientWith(_ownerA), HttpMethod.Patch, $"{Hooks(_tenantA)}/{hook}",
            new { url = "https://a.example.com/v2", eventTypes = new[] { "key.revoked", "operator.removed" } });
        Assert.Equal("https://a.example.com/v2", (string?)updated["url"]);
        Assert.Equal(new[] { "key.revoked", "operator.removed" }, updated["eventTypes"]!.AsArray().Select(t => (string)t!));
        Assert.True((bool)updated["enabled"]!);

        using var bad = await TestApp.SendAsync(_app.Admin(), HttpMethod.Patch, $"{Hooks(_tenantA)}/{hook}", new { url = "https://192.168.1.1/" });
        Assert.Equal("url", (string?)(await Problem.AssertAsync(bad, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest))["field"]);
        Assert.Equal("https://a.example.com/v2", (string?)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"{Hooks(_tenantA)}/{hook}"))["url"]);
    }

    [Fact]
    public async Task MalformedIds_AreRefusedNamingTheParameter()
    {
        using var webhook = await _app.Admin().GetAsync($"{Hooks(_tenantA)}/wh_'or'1'='1");
        Assert.Equal("webhookId", (string?)(await Problem.AssertAsync(webhook, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest))["field"]);
        using var delivery = await _app.Admin().PostAsync($"{Hooks(_tenantA)}/wh_{new string('x', 20)}/deliveries/nope/redeliver", null);
        Assert.Equal("deliveryId", (string?)(await Problem.AssertAsync(delivery, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest))["field"]);
        using var overlap = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"{Hooks(_tenantA)}/wh_{new string('x', 20)}/rotate-secret", new { overlapSeconds = 604_801 });
        Assert.Equal("overlapSeconds", (string?)(await Problem.AssertAsync(overlap, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest))["field"]);
    }
}
