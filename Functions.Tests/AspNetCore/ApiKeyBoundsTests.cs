using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.AspNetCore;

/// <summary>
/// The bounds the package promises, on one fake clock shared by ServerlessAuth and the provider's API: uses answered from
/// memory are charged to the key's budget and usage counts, a spent budget is answered 429 with ServerlessAuth's headers,
/// and a revocation made on another ServerlessAuth instance reaches the API within the server's TTL plus the package's.
/// </summary>
public sealed class ApiKeyBoundsTests : IAsyncLifetime
{
    // 40 minutes (2400 s) before the rate-limit window ends at 13:00 UTC.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 20, 0, TimeSpan.Zero));
    private TestApp _server = null!;
    private ProviderApi _api = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApp.StartAsync(_time);
        _api = await ProviderApi.StartAsync(_server, time: _time);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task UsesAnsweredFromMemory_AreChargedToTheBudgetAndCountedAsUsage()
    {
        var (tenant, key, keyId) = await SeedAsync(limit: 1000);
        for (var i = 0; i < 50; i++)
        {
            using var response = await _api.GetContactsAsync(key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _api.ValidateCalls);

        // Past the refresh point (4 s) and one report interval: the sweep reports the 49 uses not yet charged.
        _time.Advance(TimeSpan.FromSeconds(4.5));
        await WaitAsync(() => _api.Metric("serverlessauth.aspnetcore.uses.reported") == 49);
        Assert.Equal(2, _api.ValidateCalls);

        // ServerlessAuth has charged all 50 (and now this one).
        using var direct = await _server.ClientWith(key).PostAsync("/api/v1/validate", null);
        Assert.Equal($"\"hour\";r={1000 - 51};t=2396", ResponseHeader.Of(direct, "RateLimit"));

        await _server.Get<UsageRecorder>().FlushAsync(default);
        var usage = await TestApp.SendOkAsync(_server.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={keyId}");
        Assert.Equal(51, (long)Assert.Single(usage["items"]!.AsArray())!["count"]!);
    }

    [Fact]
    public async Task SpentBudget_Answers429WithServerlessAuthsHeadersAndStopsCalling()
    {
        const int Limit = 3;
        var (_, key, _) = await SeedAsync(Limit);

        var admitted = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            var response = await _api.GetContactsAsync(key);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                admitted++;
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }

        // At most one use beyond the limit: those admitted while the report of the previous one was in flight.
        Assert.InRange(admitted, Limit, Limit + 1);
        using (refused)
        {
            await Problem.AssertAsync(refused!, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
            Assert.Equal("2400", ResponseHeader.Of(refused!, "Retry-After"));
            Assert.Equal($"\"hour\";q={Limit};w=3600", ResponseHeader.Of(refused!, "RateLimit-Policy"));
            Assert.Equal("\"hour\";r=0;t=2400", ResponseHeader.Of(refused!, "RateLimit"));
        }

        // Refused from memory until the entry expires (the shorter of Retry-After and the TTL): no call.
        var calls = _api.ValidateCalls;
        for (var i = 0; i < 10; i++)
        {
            using var again = await _api.GetContactsAsync(key);
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        }

        Assert.Equal(calls, _api.ValidateCalls);
    }

    [Fact]
    public async Task Revocation_OnAnotherServerlessAuthInstance_IsRefusedWithinBothTtls()
    {
        await using var other = await TestApp.StartAsync(_time, tablePrefix: _server.TablePrefix);
        var (tenant, key, keyId) = await SeedAsync(limit: 1000);
        using (var warm = await _api.GetContactsAsync(key))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        // Revoked through the other instance: the instance this API calls keeps the key cached for its own TTL.
        await TestApp.SendOkAsync(other.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        var revokedAt = _time.GetUtcNow();
        var statuses = new List<HttpStatusCode>();
        while (statuses.LastOrDefault() != HttpStatusCode.Unauthorized)
        {
            Assert.True(_time.GetUtcNow() - revokedAt <= TimeSpan.FromSeconds(10), $"still accepted 10 s after the revocation: {string.Join(',', statuses)}");
            using var response = await _api.GetContactsAsync(key);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
                break;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20);
        }

        // Served from the caches right after the revocation; refused within server TTL + package TTL (5 s + 5 s).
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[^1]);
    }

    [Fact]
    public async Task ExpiredKey_IsRefusedAtItsExpiryEvenWhenCached()
    {
        var tenant = (string)(await _server.CreateTenantAsync())["id"]!;
        await _server.PutOperatorAsync(tenant, "alice", "owner", "contacts:read");
        var expiresAt = _time.GetUtcNow().AddMinutes(5);
        var key = (string)(await _server.IssueKeyAsync(tenant, "alice", ["contacts:read"], expiresAt))["key"]!;

        _time.SetUtcNow(expiresAt.AddSeconds(-1));
        using (var before = await _api.GetContactsAsync(key))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _time.SetUtcNow(expiresAt);
        using var at = await _api.GetContactsAsync(key);
        await Problem.AssertAsync(at, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
    }

    private async Task<(string Tenant, string Key, string KeyId)> SeedAsync(int limit)
    {
        var tenant = (string)(await _server.CreateTenantAsync(extra: new { rateLimitPerHour = limit }))["id"]!;
        await _server.PutOperatorAsync(tenant, "alice", "owner", "contacts:read");
        var key = await _server.IssueKeyAsync(tenant, "alice", ["contacts:read"]);
        return (tenant, (string)key["key"]!, (string)key["id"]!);
    }

    /// <summary>Waits (real time, generously) for background work the fake clock set off.</summary>
    private static async Task WaitAsync(Func<bool> condition)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the background report did not happen within 30 s");
            await Task.Delay(20);
        }
    }
}
