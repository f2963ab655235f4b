using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.ApiKeys;

/// <summary><c>POST …/keys/{keyId}/rotate</c>: a new secret at once, the old one until the overlap ends.</summary>
public sealed class ApiKeyRotationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpStatusCode> ValidateAsync(string key)
    {
        using var response = await _app.ClientWith(key).PostAsync("/api/v1/validate", null);
        return response.StatusCode;
    }

    [Fact]
    public async Task Rotate_NewKeyWorksAtOnceAndOldKeyUntilTheOverlapEnds()
    {
        var (tenant, oldKey, oldId) = await _app.SeedAsync("owner", "contacts:read", "contacts:write");

        var rotated = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate", new { overlapSeconds = 3600 });
        var newKey = (string)rotated["key"]!;

        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(oldId, (string?)rotated["rotatedFrom"]);
        Assert.Equal(["contacts:read", "contacts:write"], rotated["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal("key of alice", (string?)rotated["name"]);
        Assert.Equal(_time.GetUtcNow().AddHours(1), DateTimeOffset.Parse((string)rotated["previousKeyExpiresAt"]!, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(HttpStatusCode.OK, await ValidateAsync(newKey));
        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync(oldKey));

        _time.Advance(TimeSpan.FromSeconds(1));
        using var expired = await _app.ClientWith(oldKey).PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(expired, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync(newKey));

        var log = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=key.rotated");
        var entry = Assert.Single(log["items"]!.AsArray());
        Assert.Equal(oldId, (string?)entry!["credentialId"]);
        Assert.Equal((string?)rotated["id"], (string?)entry["relatedCredentialId"]);
    }

    [Fact]
    public async Task Rotate_WithoutOverlapEndsTheOldKeyImmediately()
    {
        var (tenant, oldKey, oldId) = await _app.SeedAsync("owner", "a");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate");
        using var response = await _app.Admin().SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var old = await _app.ClientWith(oldKey).PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(old, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(604_801)]
    public async Task Rotate_RefusesAnOverlapOutsideZeroToSevenDaysAndChangesNothing(int overlap)
    {
        var (tenant, oldKey, oldId) = await _app.SeedAsync("owner", "a");
        var before = await _app.SnapshotAsync();
        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate", new { overlapSeconds = overlap });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        Assert.Equal("overlapSeconds", (string?)problem["field"]);
        Assert.Equal(before, await _app.SnapshotAsync());
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync(oldKey));
    }

    [Fact]
    public async Task Rotate_ARevokedOrAlreadyRotatedKeyIsAConflict()
    {
        var (tenant, _, oldId) = await _app.SeedAsync("owner", "a");
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate", new { overlapSeconds = 60 });
        using var again = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate", new { overlapSeconds = 60 });
        await Problem.AssertAsync(again, HttpStatusCode.Conflict, ProblemCodes.Conflict);

        var (tenant2, _, revokedId) = await _app.SeedAsync("owner", "a");
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant2}/keys/{revokedId}");
        using var revoked = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant2}/keys/{revokedId}/rotate", new { overlapSeconds = 60 });
        await Problem.AssertAsync(revoked, HttpStatusCode.Conflict, ProblemCodes.Conflict);
    }

    [Fact]
    public async Task Rotate_RacingARevokeNeverLeavesTheOldKeyActiveAndNeverLeavesZeroWorkingKeys()
    {
        for (var round = 0; round < 5; round++)
        {
            var (tenant, oldKey, oldId) = await _app.SeedAsync("owner", "a");
            var rotate = TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{oldId}/rotate", new { overlapSeconds = 3600 });
            var revoke = TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{oldId}");
            using var rotated = await rotate;
            using var revoked = await revoke;

            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            using var old = await _app.ClientWith(oldKey).PostAsync("/api/v1/validate", null);
            await Problem.AssertAsync(old, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);

            // Either the rotation happened first (its new key works) or it found the key revoked (409, nothing created).
            if (rotated.StatusCode == HttpStatusCode.Created)
            {
                var body = System.Text.Json.Nodes.JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!;
                Assert.Equal(HttpStatusCode.OK, await ValidateAsync((string)body["key"]!));
            }
            else
            {
                Assert.Equal(HttpStatusCode.Conflict, rotated.StatusCode);
                var keys = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys");
                Assert.Single(keys["items"]!.AsArray());
            }
        }
    }

    [Fact]
    public async Task Rotate_MemberRotatesOnlyItsOwnKeys()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "olivia", "owner", "a");
        await _app.PutOperatorAsync(tenant, "bob", "member", "a", "serverlessauth:keys");
        var ownersKey = (string)(await _app.IssueKeyAsync(tenant, "olivia", ["a"]))["id"]!;
        var bob = _app.ClientWith((string)(await _app.IssueKeyAsync(tenant, "bob", ["a", "serverlessauth:keys"]))["key"]!);
        var bobsKey = (string)(await _app.IssueKeyAsync(tenant, "bob", ["a"]))["id"]!;

        using var other = await TestApp.SendAsync(bob, HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{ownersKey}/rotate", new { overlapSeconds = 0 });
        await Problem.AssertAsync(other, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        using var own = await TestApp.SendAsync(bob, HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{bobsKey}/rotate", new { overlapSeconds = 0 });
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }
}
