using System.Net;
using System.Text.Json.Nodes;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// Storage stops in the middle of traffic: every answer that needs it is 503 <c>unavailable</c> with
/// <c>Retry-After</c> (never a 500, never an unverified 200), nothing is half-written, and the service recovers by
/// itself once storage is back. Azurite is persisted on disk here, so that a restart keeps the data, as Azure would.
/// </summary>
public sealed class StorageFaultTests : IAsyncLifetime
{
    private readonly string _location = Directory.CreateTempSubdirectory("azurite-").FullName;
    private AzuriteServer _azurite = null!;
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync(_location);
        _app = TestApp.For(_azurite);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _azurite.DisposeAsync();
        Directory.Delete(_location, recursive: true);
    }

    [Fact]
    public async Task StorageDown_Answers503WithRetryAfterWritesNothingAndRecovers()
    {
        var (tenant, key, _) = await _app.SeedAsync("owner", "a");
        var coldKey = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;
        using (var warm = await _app.ClientWith(key).PostAsync("/api/v1/validate", null))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var keysBefore = await ListKeyIdsAsync(tenant);
        _azurite.Stop();

        using (var cold = await _app.ClientWith(coldKey).PostAsync("/api/v1/validate", null))
        {
            await AssertUnavailableAsync(cold);
        }

        using (var issue = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys", new { operatorId = "alice", name = "during the fault", scopes = new[] { "a" } }))
        {
            var body = await AssertUnavailableAsync(issue);
            Assert.Null(body["key"]);
        }

        using (var revoke = await TestApp.SendAsync(_app.Admin(), HttpMethod.Put, $"/api/v1/tenants/{tenant}/operators/bob", new { displayName = "Bob", role = "member", permissions = Array.Empty<string>() }))
        {
            await AssertUnavailableAsync(revoke);
        }

        using (var health = await _app.CreateClient().GetAsync("/api/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }

        await _azurite.RestartAsync();
        var recovered = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode status;
        do
        {
            using var again = await _app.ClientWith(coldKey).PostAsync("/api/v1/validate", null);
            status = again.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(200);
            }
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < recovered);

        Assert.Equal(HttpStatusCode.OK, status);

        // The key whose issuance failed does not exist: its secret was never shown, and nothing of it was stored.
        Assert.Equal(keysBefore, await ListKeyIdsAsync(tenant));
        using var operatorRead = await _app.Admin().GetAsync($"/api/v1/tenants/{tenant}/operators/bob");
        await Problem.AssertAsync(operatorRead, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    private static async Task<JsonObject> AssertUnavailableAsync(HttpResponseMessage response)
    {
        var body = await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        Assert.True(response.Headers.RetryAfter is not null, "Retry-After missing");
        return body;
    }

    private async Task<string[]> ListKeyIdsAsync(string tenant)
    {
        var list = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys");
        return [.. list["items"]!.AsArray().Select(k => (string)k!["id"]!).Order(StringComparer.Ordinal)];
    }
}
