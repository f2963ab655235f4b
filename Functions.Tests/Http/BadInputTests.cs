using System.Net;
using System.Text;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Http;

/// <summary>A seeded tenant shared by the bad-input cases (none of which may change it).</summary>
public sealed class BadInputFixture : IAsyncLifetime
{
    public const string Tenant = "bad-input";

    public TestApp App { get; private set; } = null!;

    public string Key { get; private set; } = null!;

    public string KeyId { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await TestApp.StartAsync();
        await App.CreateTenantAsync(Tenant);
        await App.PutOperatorAsync(Tenant, "alice", "owner", "a");
        var key = await App.IssueKeyAsync(Tenant, "alice", ["a"]);
        Key = (string)key["key"]!;
        KeyId = (string)key["id"]!;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// Malformed and hostile requests on every route: each answers its exact status and code, names the field where
/// there is one, and changes nothing in storage.
/// </summary>
public sealed class BadInputTests(BadInputFixture fixture) : IClassFixture<BadInputFixture>
{
    private const string T = BadInputFixture.Tenant;
    private const string Admin = "admin";
    private const string Json = "application/json";

    public static TheoryData<string, string, string, string?, string?, string?, int, string, string?> Cases => new()
    {
        // name, method, path, credential ("admin", "key", "typo", raw header line, or none), body, content type, status, code, field
        { "no credential", "POST", "/api/v1/validate", null, null, null, 401, ProblemCodes.MissingCredential, null },
        { "both headers", "POST", "/api/v1/validate", "both", null, null, 400, ProblemCodes.InvalidRequest, null },
        { "authorization twice", "POST", "/api/v1/validate", "twice", null, null, 400, ProblemCodes.InvalidRequest, "Authorization" },
        { "basic scheme", "POST", "/api/v1/validate", "Authorization: Basic YTpi", null, null, 400, ProblemCodes.InvalidRequest, "Authorization" },
        { "empty bearer", "POST", "/api/v1/validate", "Authorization: Bearer ", null, null, 400, ProblemCodes.InvalidRequest, "Authorization" },
        { "bearer with space inside", "POST", "/api/v1/validate", "Authorization: Bearer a b", null, null, 400, ProblemCodes.InvalidRequest, "Authorization" },
        { "padding-only x-api-key", "POST", "/api/v1/validate", "x-api-key: ===", null, null, 400, ProblemCodes.InvalidRequest, "x-api-key" },
        { "token in url", "POST", "/api/v1/validate?access_token=abc", null, null, null, 400, ProblemCodes.InvalidRequest, "access_token" },
        { "api key in url", "POST", "/api/v1/validate?api_key=abc", "key", null, null, 400, ProblemCodes.InvalidRequest, "api_key" },
        { "oversize credential header", "POST", "/api/v1/validate", "x-api-key: " + new string('a', 5000), null, null, 431, ProblemCodes.InvalidRequest, "x-api-key" },
        { "bad checksum", "POST", "/api/v1/validate", "typo", null, null, 401, ProblemCodes.InvalidCredential, null },
        { "random junk key", "POST", "/api/v1/validate", "x-api-key: sa_live_bad-input_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", null, null, 401, ProblemCodes.InvalidCredential, null },
        { "validate text body", "POST", "/api/v1/validate", "key", "{}", "text/plain", 415, ProblemCodes.InvalidRequest, "Content-Type" },
        { "validate unknown field", "POST", "/api/v1/validate", "key", "{\"requiredScope\":[\"a\"]}", Json, 400, ProblemCodes.InvalidRequest, null },
        { "validate malformed json", "POST", "/api/v1/validate", "key", "{\"requiredScopes\":[", Json, 400, ProblemCodes.InvalidRequest, "requiredScopes" },
        { "validate oversize body", "POST", "/api/v1/validate", "key", "{\"requiredScopes\":[\"" + new string('a', 20_000) + "\"]}", Json, 413, ProblemCodes.InvalidRequest, null },
        { "validate bad scope query", "POST", "/api/v1/validate?scope=a%22b", "key", null, null, 400, ProblemCodes.InvalidRequest, "scope" },
        { "validate scope query twice", "POST", "/api/v1/validate?scope=a&scope=b", "key", null, null, 400, ProblemCodes.InvalidRequest, "scope" },
        { "wrong admin key", "POST", "/api/v1/tenants", "Authorization: Bearer sa_admin_wrong_0123456789abcdefghijklmnopqrstuvwxyz", "{\"name\":\"x\"}", Json, 401, ProblemCodes.InvalidCredential, null },
        { "tenant without name", "POST", "/api/v1/tenants", Admin, "{\"id\":\"new-one\"}", Json, 400, ProblemCodes.InvalidRequest, "name" },
        { "tenant name too long", "POST", "/api/v1/tenants", Admin, "{\"id\":\"new-one\",\"name\":\"" + new string('n', 101) + "\"}", Json, 400, ProblemCodes.InvalidRequest, "name" },
        { "tenant name control char", "POST", "/api/v1/tenants", Admin, "{\"id\":\"new-one\",\"name\":\"a\\u0001b\"}", Json, 400, ProblemCodes.InvalidRequest, "name" },
        { "tenant id uppercase", "POST", "/api/v1/tenants", Admin, "{\"id\":\"New_One\",\"name\":\"x\"}", Json, 400, ProblemCodes.InvalidRequest, "id" },
        { "tenant id quote", "POST", "/api/v1/tenants", Admin, "{\"id\":\"a'b-c\",\"name\":\"x\"}", Json, 400, ProblemCodes.InvalidRequest, "id" },
        { "tenant unknown field", "POST", "/api/v1/tenants", Admin, "{\"name\":\"x\",\"isAdmin\":true}", Json, 400, ProblemCodes.InvalidRequest, null },
        { "tenant duplicate property", "POST", "/api/v1/tenants", Admin, "{\"name\":\"x\",\"name\":\"y\"}", Json, 400, ProblemCodes.InvalidRequest, "name" },
        { "tenant deep json", "POST", "/api/v1/tenants", Admin, "{\"name\":" + new string('[', 64) + new string(']', 64) + "}", Json, 400, ProblemCodes.InvalidRequest, "name" },
        { "tenant number as string", "POST", "/api/v1/tenants", Admin, "{\"name\":\"x\",\"rateLimitPerHour\":\"1000\"}", Json, 400, ProblemCodes.InvalidRequest, "rateLimitPerHour" },
        { "tenant zero rate limit", "POST", "/api/v1/tenants", Admin, "{\"name\":\"x\",\"rateLimitPerHour\":0}", Json, 400, ProblemCodes.InvalidRequest, "rateLimitPerHour" },
        { "tenant json null body", "POST", "/api/v1/tenants", Admin, "null", Json, 400, ProblemCodes.InvalidRequest, null },
        { "tenant empty body", "POST", "/api/v1/tenants", Admin, "", Json, 400, ProblemCodes.InvalidRequest, null },
        { "tenant id with quote in path", "GET", "/api/v1/tenants/a'b", Admin, null, null, 400, ProblemCodes.InvalidRequest, "tenantId" },
        { "tenant id with encoded slash", "GET", "/api/v1/tenants/a%2Fbc", Admin, null, null, 400, ProblemCodes.InvalidRequest, "tenantId" },
        { "tenant id with hash", "GET", "/api/v1/tenants/a%23bc", Admin, null, null, 400, ProblemCodes.InvalidRequest, "tenantId" },
        { "tenant id with question mark", "GET", "/api/v1/tenants/a%3Fbc", Admin, null, null, 400, ProblemCodes.InvalidRequest, "tenantId" },
        { "tenant id with control char", "GET", "/api/v1/tenants/a%01bc", Admin, null, null, 400, ProblemCodes.InvalidRequest, "tenantId" },
        { "tenant id very long", "GET", "/api/v1/tenants/" + new string('a', 300), Admin, null, null, 400, ProblemCodes.InvalidRequest, "tenantId" },
        { "patch wrong content type", "PATCH", "/api/v1/tenants/" + T, Admin, "name=x", "application/x-www-form-urlencoded", 415, ProblemCodes.InvalidRequest, "Content-Type" },
        { "patch bad lifetime", "PATCH", "/api/v1/tenants/" + T, Admin, "{\"defaultKeyLifetimeDays\":4000}", Json, 400, ProblemCodes.InvalidRequest, "defaultKeyLifetimeDays" },
        { "operator id with quote", "PUT", "/api/v1/tenants/" + T + "/operators/bad'id", Admin, "{\"displayName\":\"x\",\"role\":\"member\",\"permissions\":[]}", Json, 400, ProblemCodes.InvalidRequest, "operatorId" },
        { "operator id with slash", "PUT", "/api/v1/tenants/" + T + "/operators/a%2Fb", Admin, "{\"displayName\":\"x\",\"role\":\"member\",\"permissions\":[]}", Json, 400, ProblemCodes.InvalidRequest, "operatorId" },
        { "operator unknown role", "PUT", "/api/v1/tenants/" + T + "/operators/carol", Admin, "{\"displayName\":\"x\",\"role\":\"root\",\"permissions\":[]}", Json, 400, ProblemCodes.InvalidRequest, "role" },
        { "operator permission with space", "PUT", "/api/v1/tenants/" + T + "/operators/carol", Admin, "{\"displayName\":\"x\",\"role\":\"member\",\"permissions\":[\"a b\"]}", Json, 400, ProblemCodes.InvalidRequest, "permissions" },
        { "operator without permissions", "PUT", "/api/v1/tenants/" + T + "/operators/carol", Admin, "{\"displayName\":\"x\",\"role\":\"member\"}", Json, 400, ProblemCodes.InvalidRequest, "permissions" },
        { "operator permission null", "PUT", "/api/v1/tenants/" + T + "/operators/carol", Admin, "{\"displayName\":\"x\",\"role\":\"member\",\"permissions\":[null]}", Json, 400, ProblemCodes.InvalidRequest, "permissions" },
        { "key without operator", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"name\":\"x\",\"scopes\":[]}", Json, 400, ProblemCodes.InvalidRequest, "operatorId" },
        { "key for unknown operator", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"nobody\",\"name\":\"x\",\"scopes\":[]}", Json, 400, ProblemCodes.InvalidRequest, "operatorId" },
        { "key expiring in the past", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"alice\",\"name\":\"x\",\"scopes\":[],\"expiresAt\":\"2001-01-01T00:00:00Z\"}", Json, 400, ProblemCodes.InvalidRequest, "expiresAt" },
        { "key beyond max lifetime", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"alice\",\"name\":\"x\",\"scopes\":[],\"expiresAt\":\"2999-01-01T00:00:00Z\"}", Json, 400, ProblemCodes.InvalidRequest, "expiresAt" },
        { "key with 101 scopes", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"alice\",\"name\":\"x\",\"scopes\":[" + string.Join(',', Enumerable.Range(0, 101).Select(i => $"\"s{i}\"")) + "]}", Json, 400, ProblemCodes.InvalidRequest, "scopes" },
        { "key scope too long", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"alice\",\"name\":\"x\",\"scopes\":[\"" + new string('s', 129) + "\"]}", Json, 400, ProblemCodes.InvalidRequest, "scopes" },
        { "key blank name", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"alice\",\"name\":\"   \",\"scopes\":[]}", Json, 400, ProblemCodes.InvalidRequest, "name" },
        { "key rate limit negative", "POST", "/api/v1/tenants/" + T + "/keys", Admin, "{\"operatorId\":\"alice\",\"name\":\"x\",\"scopes\":[],\"rateLimitPerHour\":-1}", Json, 400, ProblemCodes.InvalidRequest, "rateLimitPerHour" },
        { "page size zero", "GET", "/api/v1/tenants/" + T + "/keys?pageSize=0", Admin, null, null, 400, ProblemCodes.InvalidRequest, "pageSize" },
        { "page size above 100", "GET", "/api/v1/tenants/" + T + "/keys?pageSize=101", Admin, null, null, 400, ProblemCodes.InvalidRequest, "pageSize" },
        { "page size not a number", "GET", "/api/v1/tenants/" + T + "/keys?pageSize=1e2", Admin, null, null, 400, ProblemCodes.InvalidRequest, "pageSize" },
        { "forged continuation token", "GET", "/api/v1/tenants/" + T + "/keys?continuationToken=%27%20or%201%3D1", Admin, null, null, 400, ProblemCodes.InvalidRequest, "continuationToken" },
        { "unknown status filter", "GET", "/api/v1/tenants/" + T + "/keys?status=deleted", Admin, null, null, 400, ProblemCodes.InvalidRequest, "status" },
        { "operator filter with quote", "GET", "/api/v1/tenants/" + T + "/keys?operatorId=a%27%20or%20%271", Admin, null, null, 400, ProblemCodes.InvalidRequest, "operatorId" },
        { "malformed key id", "GET", "/api/v1/tenants/" + T + "/keys/key_bad", Admin, null, null, 400, ProblemCodes.InvalidRequest, "keyId" },
        { "key id with quote", "DELETE", "/api/v1/tenants/" + T + "/keys/key_'", Admin, null, null, 400, ProblemCodes.InvalidRequest, "keyId" },
        { "unknown key id", "DELETE", "/api/v1/tenants/" + T + "/keys/key_00000000000000000000", Admin, null, null, 404, ProblemCodes.NotFound, null },
        { "unknown tenant", "GET", "/api/v1/tenants/no-such-tenant", Admin, null, null, 404, ProblemCodes.NotFound, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadRequest_AnswersItsStatusAndCodeAndChangesNothing(
        string name, string method, string path, string? credential, string? body, string? contentType, int status, string code, string? field)
    {
        var before = await fixture.App.SnapshotAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        AddCredential(request, credential);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await fixture.App.CreateClient().SendAsync(request);

        var problem = await Problem.AssertAsync(response, (HttpStatusCode)status, code);
        Assert.True(field == (string?)problem["field"], $"{name}: field {(string?)problem["field"]}, expected {field}");
        if (status is 401 or 403 || (path.Contains("validate", StringComparison.Ordinal) && status == 400 && credential is not null && credential != "key"))
        {
            Assert.StartsWith("Bearer realm=\"serverlessauth\"", Problem.Challenge(response));
        }

        Assert.Equal(before, await fixture.App.SnapshotAsync());
    }

    [Fact]
    public async Task BadRequest_NeverEchoesTheSecretBack()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate?api_key=" + fixture.Key);
        using var response = await fixture.App.CreateClient().SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(fixture.Key, text);
    }

    private void AddCredential(HttpRequestMessage request, string? credential)
    {
        switch (credential)
        {
            case null:
                break;
            case Admin:
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + TestApp.AdminKey);
                break;
            case "key":
                request.Headers.TryAddWithoutValidation("x-api-key", fixture.Key);
                break;
            case "typo":
                request.Headers.TryAddWithoutValidation("x-api-key", fixture.Key[..^1] + (fixture.Key[^1] == 'a' ? 'b' : 'a'));
                break;
            case "both":
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + fixture.Key);
                request.Headers.TryAddWithoutValidation("x-api-key", fixture.Key);
                break;
            case "twice":
                request.Headers.TryAddWithoutValidation("Authorization", ["Bearer " + fixture.Key, "Bearer " + fixture.Key]);
                break;
            default:
                var colon = credential.IndexOf(':', StringComparison.Ordinal);
                request.Headers.TryAddWithoutValidation(credential[..colon], credential[(colon + 2)..]);
                break;
        }
    }
}
