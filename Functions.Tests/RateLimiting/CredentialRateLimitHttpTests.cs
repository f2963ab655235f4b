using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>
/// <c>POST /api/v1/validate</c> under a credential's hourly limit: exactly the limit admitted per window, the IETF
/// headers on 200 and 429, recovery at the hour, per-key overrides, and what it costs in storage requests.
/// </summary>
public sealed class CredentialRateLimitHttpTests : IAsyncLifetime
{
    // 40 minutes (2400 s) before the window ends at 13:00 UTC.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 20, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Validate_AdmitsExactlyTheLimitThenAnswers429WithinTheWindow()
    {
        var (_, key) = await SeedAsync(tenantLimit: 5);

        for (var i = 0; i < 5; i++)
        {
            using var ok = await ValidateAsync(key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await ValidateAsync(key);
        await Problem.AssertAsync(refused, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        using var still = await ValidateAsync(key);
        await Problem.AssertAsync(still, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
    }

    [Fact]
    public async Task Validate_ReportsTheRemainingBudgetOn200AndTheResetOn429()
    {
        var (_, key) = await SeedAsync(tenantLimit: 3);

        foreach (var remaining in new[] { 2, 1, 0 })
        {
            using var ok = await ValidateAsync(key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("\"hour\";q=3;w=3600", Header(ok, "RateLimit-Policy"));
            Assert.Equal($"\"hour\";r={remaining};t=2400", Header(ok, "RateLimit"));
        }

        _time.Advance(TimeSpan.FromSeconds(0.5));
        using var refused = await ValidateAsync(key);
        await Problem.AssertAsync(refused, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal("2400", Header(refused, "Retry-After"));
        Assert.Equal("\"hour\";q=3;w=3600", Header(refused, "RateLimit-Policy"));
        Assert.Equal("\"hour\";r=0;t=2400", Header(refused, "RateLimit"));
    }

    [Fact]
    public async Task Validate_RecoversExactlyAtTheWindowBoundary()
    {
        var (_, key) = await SeedAsync(tenantLimit: 2);
        for (var i = 0; i < 2; i++)
        {
            using (await ValidateAsync(key))
            {
            }
        }

        var boundary = new DateTimeOffset(2026, 11, 1, 13, 0, 0, TimeSpan.Zero);
        _time.SetUtcNow(boundary.AddTicks(-1));
        using var before = await ValidateAsync(key);
        await Problem.AssertAsync(before, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal("1", Header(before, "Retry-After"));

        _time.SetUtcNow(boundary);
        using var at = await ValidateAsync(key);
        Assert.Equal(HttpStatusCode.OK, at.StatusCode);
        Assert.Equal("\"hour\";r=1;t=3600", Header(at, "RateLimit"));
    }

    [Fact]
    public async Task Validate_AppliesTheKeysOwnLimitInsteadOfTheTenants()
    {
        var (tenant, other) = await SeedAsync(tenantLimit: 10);
        var limited = await IssueKeyAsync(tenant, rateLimitPerHour: 2);

        for (var i = 0; i < 2; i++)
        {
            using var ok = await ValidateAsync(limited);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("\"hour\";q=2;w=3600", Header(ok, "RateLimit-Policy"));
        }

        using var refused = await ValidateAsync(limited);
        await Problem.AssertAsync(refused, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);

        // Budgets are per credential: another key of the same operator has its own, at the tenant's limit.
        using var unaffected = await ValidateAsync(other);
        Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
        Assert.Equal("\"hour\";q=10;w=3600", Header(unaffected, "RateLimit-Policy"));
        Assert.Equal("\"hour\";r=9;t=2400", Header(unaffected, "RateLimit"));
    }

    [Fact]
    public async Task Validate_DoesNotSpendTheBudgetOnInsufficientScope()
    {
        var (_, key) = await SeedAsync(tenantLimit: 2);

        for (var i = 0; i < 3; i++)
        {
            using var denied = await ValidateAsync(key, "?scope=b");
            await Problem.AssertAsync(denied, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        }

        for (var i = 0; i < 2; i++)
        {
            using var ok = await ValidateAsync(key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await ValidateAsync(key);
        await Problem.AssertAsync(refused, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
    }

    [Fact]
    public async Task Validate_ClaimsWithOneWriteEachAndCostsNothingOnceTheWindowIsExhausted()
    {
        var (tenant, warm) = await SeedAsync(tenantLimit: 2);
        var key = await IssueKeyAsync(tenant);
        using (await ValidateAsync(warm))
        {
            // Creates the RateLimits table and caches the tenant and operator, which the measured key shares.
        }

        using var counter = new StorageRequestCounter(_app.Services);
        for (var i = 0; i < 3; i++)
        {
            using (await ValidateAsync(key))
            {
            }
        }

        // Reads: the key and its counter, once. Writes: two claims of one (the second reuses the first's ETag).
        // The third validation finds the budget all claimed from what it already knows: no request.
        Assert.Equal(2, counter.Reads);
        Assert.Equal(2, counter.Writes);

        counter.Reset();
        for (var i = 0; i < 20; i++)
        {
            using var refused = await ValidateAsync(key);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        Assert.Equal(0, counter.Total);
    }

    [Fact]
    public async Task Validate_AdmitsWithoutRateLimitHeadersWhenRateLimitingIsOff()
    {
        await using var app = await TestApp.StartAsync(_time, new Dictionary<string, string?> { ["ServerlessAuth:RateLimiting:Enabled"] = "false" });
        var tenant = (string)(await app.CreateTenantAsync(extra: new { rateLimitPerHour = 1 }))["id"]!;
        await app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var key = (string)(await app.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;

        for (var i = 0; i < 3; i++)
        {
            using var ok = await app.ClientWith(key).PostAsync("/api/v1/validate", null);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Null(Header(ok, "RateLimit"));
        }
    }

    [Fact]
    public async Task Validate_WritesTheSharedCounterOnceFor10000ValidationsOfAKeyWithAHighLimit()
    {
        const int Validations = 10_000;
        var (tenant, warm) = await SeedAsync(tenantLimit: 1_000_000);
        var key = await IssueKeyAsync(tenant);
        using (await ValidateAsync(warm))
        {
            // Creates the RateLimits table and caches the tenant and operator, which the measured key shares.
        }

        using var counter = new StorageRequestCounter(_app.Services);
        using var client = _app.ClientWith(key);
        var admitted = 0;
        await Parallel.ForAsync(0, Validations, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            using var response = await client.PostAsync("/api/v1/validate", null, ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(Validations, admitted);

        // One claim of a tenth of the budget (100 000) serves all of them: one write, and two reads (the key, its counter).
        Assert.Equal(1, counter.Writes);
        Assert.Equal(2, counter.Reads);
        using var last = await client.PostAsync("/api/v1/validate", null);
        Assert.Equal($"\"hour\";r={1_000_000 - Validations - 1};t=2400", Header(last, "RateLimit"));
    }

    private async Task<(string Tenant, string Key)> SeedAsync(int tenantLimit)
    {
        var tenant = (string)(await _app.CreateTenantAsync(extra: new { rateLimitPerHour = tenantLimit }))["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        return (tenant, await IssueKeyAsync(tenant));
    }

    private async Task<string> IssueKeyAsync(string tenant, int? rateLimitPerHour = null)
    {
        var key = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys",
            new { operatorId = "alice", name = "key", scopes = new[] { "a" }, rateLimitPerHour });
        return (string)key["key"]!;
    }

    private async Task<HttpResponseMessage> ValidateAsync(string key, string query = "") =>
        await _app.ClientWith(key).PostAsync("/api/v1/validate" + query, null);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
