using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ServerlessAuth.Tests.Tenants;

/// <summary>
/// The README's "Authorization of the control plane" table is the model: this test reads it and checks every cell
/// through the HTTP API on Azurite, for the admin key, an app token, and an owner, an admin and a member each with a
/// key that carries the row's scope and one that lacks it. Each case runs in a tenant of its own, so that no case
/// sees another's changes.
/// </summary>
public sealed class ControlPlaneMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Section = "## Authorization of the control plane";
    private const string Header = "| route | target | scope | admin key | owner | admin | member | app token |";
    private const string TenantPath = "/api/v1/tenants/{tenantId}";
    private static readonly string[] Callers = ["admin key", "owner", "admin", "member", "app token"];
    private static readonly string[] Cells = ["200", "201", "202", "204", "403", "404", "200 (own)", "—"];

    // The world of every case. The caller's operator holds every data permission; its key carries all but Extra, the
    // permission "the key lacks".
    private const string Read = "data:read";
    private const string Write = "data:write";
    private const string Extra = "data:extra";
    private static readonly string[] OperatorPermissions = [Read, Write, Extra, .. ControlPlaneScopes.All];

    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>One row of the table.</summary>
    private sealed record Row(string Method, string Template, string Target, string? Scope, IReadOnlyDictionary<string, string> Answers)
    {
        public string Route => $"{Method} {Template}";

        public override string ToString() => $"{Route} [{Target}]";
    }

    /// <summary>What a case sets up before its request, and the request (path relative to the tenant's routes).</summary>
    private sealed record Request(HttpMethod Method, string Path, object? Body = null);

    [Fact]
    public async Task ReadmeTable_EveryCellHoldsThroughTheHttpApi()
    {
        var rows = ReadTable();
        var controlPlane = ServerlessAuthRoutes.All
            .Where(r => r.Template.StartsWith("/api/v1/tenants", StringComparison.Ordinal) || r.Template.StartsWith("/api/v1/admin/", StringComparison.Ordinal))
            .Select(r => $"{r.Method} {r.Template}");
        Assert.Empty(controlPlane.Except(rows.Select(r => r.Route)));
        Assert.Empty(rows.Where(r => !Targets.ContainsKey((r.Route, r.Target))).Select(r => $"the test knows no target '{r.Target}' of {r.Route}"));

        // The admin key and app tokens carry no control-plane scopes; an operator's key carries the row's, or lacks it.
        var cases = (
            from row in rows
            from caller in Callers
            from withScope in caller is "admin key" or "app token" ? [true] : new[] { true, false }
            where row.Answers[caller] != "—"
            select (Row: row, Caller: caller, WithScope: withScope)).ToList();

        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, _) =>
        {
            var failure = await CheckAsync(c.Row, c.Caller, c.WithScope);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        });

        output.WriteLine($"{rows.Count} rows, {cases.Count} cases checked");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} cells do not hold:\n" + string.Join('\n', failures.Order(StringComparer.Ordinal)));
    }

    private async Task<string?> CheckAsync(Row row, string caller, bool withScope)
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        var credential = await CallerAsync(tenant, caller, row, withScope);
        var request = await Targets[(row.Route, row.Target)](new World(_app, tenant, caller));

        using var message = new HttpRequestMessage(request.Method, request.Path.Replace("{tenant}", tenant, StringComparison.Ordinal));
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        if (request.Body is not null)
        {
            message.Content = JsonContent.Create(request.Body);
        }

        using var response = await _app.CreateClient().SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text)!.AsObject() : null;

        // A key without the row's scope is refused for it, whatever the cell says.
        var lacksScope = !withScope && row.Scope is not null;
        var expected = lacksScope ? "403" : row.Answers[caller];
        var where = $"{row} as {caller}{(caller is "owner" or "admin" or "member" ? withScope ? " (with the scope)" : " (without it)" : "")}";
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (status != expected[..3])
        {
            return $"{where}: expected {expected}, got {status} {text}";
        }

        var code = (string?)body?["code"];
        return expected switch
        {
            "403" when code != ProblemCodes.InsufficientScope => $"{where}: 403 with code {code}",
            "403" when lacksScope && (string?)body!["scope"] != row.Scope => $"{where}: 403 naming scope '{body["scope"]}', not {row.Scope}",
            "404" when code != ProblemCodes.NotFound => $"{where}: 404 with code {code}",
            "200 (own)" when body!["items"]!.AsArray().Any(k => (string?)k!["operatorId"] != "caller") => $"{where}: listed another operator's key: {text}",
            "200 (own)" when body!["items"]!.AsArray().Count == 0 => $"{where}: listed none of its own keys",
            _ => null,
        };
    }

    /// <summary>The credential of <paramref name="caller"/> in <paramref name="tenant"/>.</summary>
    private async Task<string> CallerAsync(string tenant, string caller, Row row, bool withScope)
    {
        switch (caller)
        {
            case "admin key":
                return TestApp.AdminKey;
            case "app token":
                // An operator "caller" exists all the same, for the targets that speak of one's own keys.
                await _app.PutOperatorAsync(tenant, "caller", "owner", OperatorPermissions);
                return await AppTestData.TokenAsync(_app, await AppTestData.RegisterInAsync(_app, tenant, [Read]));
            default:
                await _app.PutOperatorAsync(tenant, "caller", caller, OperatorPermissions);
                string[] carried = withScope ? [Read, Write, .. ControlPlaneScopes.All] : [Read, Write, .. ControlPlaneScopes.All.Where(s => row.Scope is not null && s != row.Scope)];
                return (string)(await _app.IssueKeyAsync(tenant, "caller", carried))["key"]!;
        }
    }

    /// <summary>The tenant of a case, for setting up its target with the admin key.</summary>
    private sealed record World(TestApp App, string Tenant, string Caller)
    {
        public string Base => $"/api/v1/tenants/{Tenant}";

        public Task<JsonObject> OperatorAsync(string id, string role, params string[] permissions) => App.PutOperatorAsync(Tenant, id, role, permissions);

        /// <summary>A key of <paramref name="operatorId"/> (another than the one the caller presents), issued by the admin key.</summary>
        public async Task<string> KeyOfAsync(string operatorId) => (string)(await App.IssueKeyAsync(Tenant, operatorId, [Read]))["id"]!;

        public async Task<AppTestData.RegisteredApp> AppAsync(params string[] scopes) => await AppTestData.RegisterInAsync(App, Tenant, scopes);

        /// <summary>A webhook endpoint of the tenant, created by the admin key; answers its id.</summary>
        public async Task<string> WebhookAsync() =>
            (string)(await TestApp.SendOkAsync(App.Admin(), HttpMethod.Post, $"{Base}/webhooks", new { url = Hook, eventTypes = new[] { "*" } }))["id"]!;
    }

    private static readonly Dictionary<(string Route, string Target), Func<World, Task<Request>>> Targets = new()
    {
        [("POST /api/v1/tenants", "new tenant")] = w => Done(HttpMethod.Post, "/api/v1/tenants", new { name = "Another" }),
        [("GET " + TenantPath, "own tenant")] = w => Done(HttpMethod.Get, w.Base),
        [("PATCH " + TenantPath, "name and lifecycle policy")] = w => Done(HttpMethod.Patch, w.Base, new { name = "Renamed", staleAfterDays = 30, autoRevokeStale = true }),
        [("PATCH " + TenantPath, "plan, apiEnabled, rateLimitPerHour")] = w => Done(HttpMethod.Patch, w.Base, new { plan = "enterprise", apiEnabled = true, rateLimitPerHour = 500 }),

        [("GET " + TenantPath + "/operators", "every operator")] = w => Done(HttpMethod.Get, w.Base + "/operators"),
        [("GET " + TenantPath + "/operators/{operatorId}", "self")] = w => Done(HttpMethod.Get, w.Base + "/operators/caller"),
        [("GET " + TenantPath + "/operators/{operatorId}", "another operator")] = async w =>
        {
            await w.OperatorAsync("target", "member", Read);
            return new Request(HttpMethod.Get, w.Base + "/operators/target");
        },
        [(PutOperator, "new member")] = w => Put(w, "newcomer", "member", [Read]),
        [(PutOperator, "new admin")] = w => Put(w, "newcomer", "admin", [Read]),
        [(PutOperator, "new owner")] = w => Put(w, "newcomer", "owner", [Read]),
        [(PutOperator, "a member, renamed")] = w => Change(w, "member", [Read], "member", [Read]),
        [(PutOperator, "a member made admin")] = w => Change(w, "member", [Read], "admin", [Read]),
        [(PutOperator, "an admin, renamed")] = w => Change(w, "admin", [Read], "admin", [Read]),
        [(PutOperator, "an admin made member")] = w => Change(w, "admin", [Read], "member", [Read]),
        [(PutOperator, "an owner, renamed")] = w => Change(w, "owner", [Read], "owner", [Read]),
        [(PutOperator, "an owner made member")] = w => Change(w, "owner", [Read], "member", [Read]),
        [(PutOperator, "a member given a permission the key carries")] = w => Change(w, "member", [Read], "member", [Read, Write]),
        [(PutOperator, "a member given a permission the key lacks")] = w => Change(w, "member", [Read], "member", [Read, Extra]),
        [(PutOperator, "a member keeping a permission the key lacks")] = w => Change(w, "member", [Read, Extra], "member", [Read, Extra]),
        [(PutOperator, "self, renamed")] = w => Put(w, "caller", w.Caller, OperatorPermissions),
        [(PutOperator, "self given a permission")] = w => Put(w, "caller", w.Caller, [.. OperatorPermissions, "data:more"]),
        [(DeleteOperator, "a member")] = w => Remove(w, "member"),
        [(DeleteOperator, "an admin")] = w => Remove(w, "admin"),
        [(DeleteOperator, "an owner")] = w => Remove(w, "owner"),
        [(DeleteOperator, "self")] = w => Done(HttpMethod.Delete, w.Base + "/operators/caller"),

        [("POST " + TenantPath + "/keys", "own")] = w => Done(HttpMethod.Post, w.Base + "/keys", new { operatorId = "caller", name = "mine", scopes = new[] { Read } }),
        [("POST " + TenantPath + "/keys", "own, with a scope the key lacks")] = w => Done(HttpMethod.Post, w.Base + "/keys", new { operatorId = "caller", name = "wider", scopes = new[] { Extra } }),
        [("POST " + TenantPath + "/keys", "another operator")] = async w =>
        {
            await w.OperatorAsync("target", "member", Read);
            return new Request(HttpMethod.Post, w.Base + "/keys", new { operatorId = "target", name = "theirs", scopes = new[] { Read } });
        },
        [("GET " + TenantPath + "/keys", "every key")] = async w =>
        {
            await w.OperatorAsync("target", "member", Read);
            await w.KeyOfAsync("target");
            return new Request(HttpMethod.Get, w.Base + "/keys");
        },
        [(GetKey, "own key")] = w => OwnKey(w, HttpMethod.Get, ""),
        [(GetKey, "a member's key")] = w => KeyOf(w, "member", HttpMethod.Get, ""),
        [(GetKey, "an admin's key")] = w => KeyOf(w, "admin", HttpMethod.Get, ""),
        [(GetKey, "an owner's key")] = w => KeyOf(w, "owner", HttpMethod.Get, ""),
        [(RevokeKey, "own key")] = w => OwnKey(w, HttpMethod.Delete, ""),
        [(RevokeKey, "a member's key")] = w => KeyOf(w, "member", HttpMethod.Delete, ""),
        [(RevokeKey, "an admin's key")] = w => KeyOf(w, "admin", HttpMethod.Delete, ""),
        [(RevokeKey, "an owner's key")] = w => KeyOf(w, "owner", HttpMethod.Delete, ""),
        [(RotateKey, "own key")] = w => OwnKey(w, HttpMethod.Post, "/rotate"),
        [(RotateKey, "a member's key")] = w => KeyOf(w, "member", HttpMethod.Post, "/rotate"),
        [(RotateKey, "an admin's key")] = w => KeyOf(w, "admin", HttpMethod.Post, "/rotate"),
        [(RotateKey, "an owner's key")] = w => KeyOf(w, "owner", HttpMethod.Post, "/rotate"),

        [("GET " + TenantPath + "/logs", "the tenant's log")] = w => Done(HttpMethod.Get, w.Base + "/logs"),

        [("POST " + TenantPath + "/apps", "scopes the key carries")] = w => Done(HttpMethod.Post, w.Base + "/apps", new { name = "Sync", description = "Nightly sync", scopes = new[] { Read } }),
        [("POST " + TenantPath + "/apps", "a scope the key lacks")] = w => Done(HttpMethod.Post, w.Base + "/apps", new { name = "Sync", description = "Nightly sync", scopes = new[] { Extra } }),
        [("GET " + TenantPath + "/apps", "every app")] = async w =>
        {
            await w.AppAsync(Read);
            return new Request(HttpMethod.Get, w.Base + "/apps");
        },
        [("GET " + TenantPath + "/apps/{appId}", "an app")] = async w => new Request(HttpMethod.Get, $"{w.Base}/apps/{(await w.AppAsync(Read)).AppId}"),
        [("DELETE " + TenantPath + "/apps/{appId}", "an app")] = async w => new Request(HttpMethod.Delete, $"{w.Base}/apps/{(await w.AppAsync(Read)).AppId}"),
        [("POST " + TenantPath + "/apps/{appId}/secrets", "an app within the key's scopes")] = async w => new Request(HttpMethod.Post, $"{w.Base}/apps/{(await w.AppAsync(Read)).AppId}/secrets"),
        [("POST " + TenantPath + "/apps/{appId}/secrets", "an app with a scope the key lacks")] = async w => new Request(HttpMethod.Post, $"{w.Base}/apps/{(await w.AppAsync(Extra)).AppId}/secrets"),
        [("DELETE " + TenantPath + "/apps/{appId}/secrets/{secretId}", "an app's second secret")] = async w =>
        {
            var app = await w.AppAsync(Read);
            var second = await TestApp.SendOkAsync(w.App.Admin(), HttpMethod.Post, $"{w.Base}/apps/{app.AppId}/secrets");
            return new Request(HttpMethod.Delete, $"{w.Base}/apps/{app.AppId}/secrets/{second["secretId"]}");
        },

        [("POST " + TenantPath + "/webhooks", "a new endpoint")] = w => Done(HttpMethod.Post, w.Base + "/webhooks", new { url = Hook, eventTypes = new[] { "*" } }),
        [("GET " + TenantPath + "/webhooks", "every endpoint")] = async w =>
        {
            await w.WebhookAsync();
            return new Request(HttpMethod.Get, w.Base + "/webhooks");
        },
        [("GET " + TenantPath + "/webhooks/{webhookId}", "an endpoint")] = async w => new Request(HttpMethod.Get, $"{w.Base}/webhooks/{await w.WebhookAsync()}"),
        [("PATCH " + TenantPath + "/webhooks/{webhookId}", "an endpoint")] = async w => new Request(HttpMethod.Patch, $"{w.Base}/webhooks/{await w.WebhookAsync()}", new { description = "Changed" }),
        [("DELETE " + TenantPath + "/webhooks/{webhookId}", "an endpoint")] = async w => new Request(HttpMethod.Delete, $"{w.Base}/webhooks/{await w.WebhookAsync()}"),
        [(Webhook + "/test", "an endpoint")] = async w => new Request(HttpMethod.Post, $"{w.Base}/webhooks/{await w.WebhookAsync()}/test"),
        [(Webhook + "/rotate-secret", "an endpoint")] = async w => new Request(HttpMethod.Post, $"{w.Base}/webhooks/{await w.WebhookAsync()}/rotate-secret", new { overlapSeconds = 60 }),
        [("GET " + TenantPath + "/webhooks/{webhookId}/deliveries", "an endpoint's deliveries")] = async w => new Request(HttpMethod.Get, $"{w.Base}/webhooks/{await w.WebhookAsync()}/deliveries"),
        [(Webhook + "/deliveries/{deliveryId}/redeliver", "a delivery")] = async w =>
        {
            // A delivery to redeliver: the admin key's test event, as the endpoint's delivery log lists it.
            var id = await w.WebhookAsync();
            await TestApp.SendOkAsync(w.App.Admin(), HttpMethod.Post, $"{w.Base}/webhooks/{id}/test");
            var deliveries = await TestApp.SendOkAsync(w.App.Admin(), HttpMethod.Get, $"{w.Base}/webhooks/{id}/deliveries");
            return new Request(HttpMethod.Post, $"{w.Base}/webhooks/{id}/deliveries/{deliveries["items"]![0]!["id"]}/redeliver");
        },

        [("POST /api/v1/admin/lifecycle/run", "the deployment")] = w => Done(HttpMethod.Post, "/api/v1/admin/lifecycle/run"),
        [("POST /api/v1/admin/signing-keys/rotate", "the deployment")] = w => Done(HttpMethod.Post, "/api/v1/admin/signing-keys/rotate"),
    };

    private const string PutOperator = "PUT " + TenantPath + "/operators/{operatorId}";
    private const string Webhook = "POST " + TenantPath + "/webhooks/{webhookId}";
    private const string Hook = "https://hooks.example.com/serverlessauth";
    private const string DeleteOperator = "DELETE " + TenantPath + "/operators/{operatorId}";
    private const string GetKey = "GET " + TenantPath + "/keys/{keyId}";
    private const string RevokeKey = "DELETE " + TenantPath + "/keys/{keyId}";
    private const string RotateKey = "POST " + TenantPath + "/keys/{keyId}/rotate";

    private static Task<Request> Done(HttpMethod method, string path, object? body = null) => Task.FromResult(new Request(method, path, body));

    private static Task<Request> Put(World w, string id, string role, string[] permissions) =>
        Done(HttpMethod.Put, $"{w.Base}/operators/{id}", new { displayName = "Renamed " + id, role, permissions });

    /// <summary>An operator "target" of <paramref name="role"/> put again as <paramref name="newRole"/> with <paramref name="newPermissions"/> (and a new name).</summary>
    private static async Task<Request> Change(World w, string role, string[] permissions, string newRole, string[] newPermissions)
    {
        await w.OperatorAsync("target", role, permissions);
        return await Put(w, "target", newRole, newPermissions);
    }

    private static async Task<Request> Remove(World w, string role)
    {
        await w.OperatorAsync("target", role, Read);
        return new Request(HttpMethod.Delete, w.Base + "/operators/target");
    }

    /// <summary>Another key of the caller's own operator (not the one it presents, which the request could revoke).</summary>
    private static async Task<Request> OwnKey(World w, HttpMethod method, string suffix) =>
        new(method, $"{w.Base}/keys/{await w.KeyOfAsync("caller")}{suffix}", method == HttpMethod.Post ? new { overlapSeconds = 0 } : null);

    private static async Task<Request> KeyOf(World w, string role, HttpMethod method, string suffix)
    {
        await w.OperatorAsync("target", role, Read);
        return new(method, $"{w.Base}/keys/{await w.KeyOfAsync("target")}{suffix}", method == HttpMethod.Post ? new { overlapSeconds = 0 } : null);
    }

    /// <summary>The table under the README's section: fails when the section, the table or any of its cells is missing or malformed.</summary>
    private static List<Row> ReadTable()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRootAttribute.Value, "README.md"));
        var section = Array.IndexOf(lines, Section);
        Assert.True(section >= 0, $"README.md has no '{Section}' section");
        var end = Array.FindIndex(lines, section + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        var header = Array.FindIndex(lines, section + 1, (end < 0 ? lines.Length : end) - section - 1, l => l.Trim() == Header);
        Assert.True(header >= 0, $"the section has no table headed '{Header}'");
        Assert.Matches(@"^\|(\s*-+\s*\|){8}$", lines[header + 1].Trim());

        var rows = new List<Row>();
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            Assert.True(cells.Length == 8, $"malformed row (not 8 cells): {line}");
            var route = cells[0].Trim('`').Replace("…", TenantPath, StringComparison.Ordinal).Split(' ', 2);
            Assert.True(route.Length == 2 && ServerlessAuthRoutes.All.Any(r => r.Method == route[0] && r.Template == route[1]), $"not a route of the API: {cells[0]}");
            var scope = cells[2] == "—" ? null : cells[2].Trim('`');
            Assert.True(scope is null || ControlPlaneScopes.All.Contains(scope), $"not a control-plane scope: {cells[2]}");
            var answers = Callers.Select((caller, i) => (caller, cell: cells[3 + i])).ToDictionary(a => a.caller, a => a.cell);
            Assert.All(answers.Values, a => Assert.True(Cells.Contains(a), $"not an answer the table may give: '{a}' in {line}"));
            rows.Add(new Row(route[0], route[1], cells[1], scope, answers));
        }

        Assert.True(rows.Count > 0, "the table has no rows");
        return rows;
    }
}
