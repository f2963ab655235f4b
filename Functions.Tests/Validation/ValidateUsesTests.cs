using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Validation;

/// <summary>
/// <c>POST /api/v1/validate</c> with <c>{"uses": n}</c>: a resource server reporting the requests it answered from its
/// own cache. The uses are charged to the hourly budget (never more than the limit, also across instances) and added
/// to the usage counts; a bad value is refused and changes nothing.
/// </summary>
public sealed class ValidateUsesTests : IAsyncLifetime
{
    // 40 minutes (2400 s) before the window ends at 13:00 UTC.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 20, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Validate_ChargesTheReportedUsesToTheHourlyBudget()
    {
        var (_, key, _) = await SeedAsync(_app, limit: 10);

        using var four = await ValidateAsync(_app, key, 4);
        Assert.Equal(HttpStatusCode.OK, four.StatusCode);
        Assert.Equal("\"hour\";r=6;t=2400", ResponseHeader.Of(four, "RateLimit"));

        using var six = await ValidateAsync(_app, key, 6);
        Assert.Equal(HttpStatusCode.OK, six.StatusCode);
        Assert.Equal("\"hour\";r=0;t=2400", ResponseHeader.Of(six, "RateLimit"));

        using var one = await ValidateAsync(_app, key, null);
        await Problem.AssertAsync(one, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal("2400", ResponseHeader.Of(one, "Retry-After"));
    }

    [Fact]
    public async Task Validate_MoreUsesThanAreLeftSpendTheRestAndAnswer429()
    {
        var (_, key, _) = await SeedAsync(_app, limit: 10);

        using var eight = await ValidateAsync(_app, key, 8);
        Assert.Equal("\"hour\";r=2;t=2400", ResponseHeader.Of(eight, "RateLimit"));

        // Five uses already happened where only two were left: the two are spent, the answer is 429.
        using var five = await ValidateAsync(_app, key, 5);
        await Problem.AssertAsync(five, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal("\"hour\";r=0;t=2400", ResponseHeader.Of(five, "RateLimit"));

        using var one = await ValidateAsync(_app, key, 1);
        await Problem.AssertAsync(one, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
    }

    [Fact]
    public async Task Validate_UsesMoreThanAClaimFractionTakeOneLargerClaim()
    {
        var (tenant, warm, _) = await SeedAsync(_app, limit: 1000);
        var key = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;
        using (await ValidateAsync(_app, warm, null))
        {
            // Creates the RateLimits table and caches the tenant and operator, which the measured key shares.
        }

        using var counter = new StorageRequestCounter(_app.Services);
        using var big = await ValidateAsync(_app, key, 500);
        Assert.Equal(HttpStatusCode.OK, big.StatusCode);
        Assert.Equal("\"hour\";r=500;t=2400", ResponseHeader.Of(big, "RateLimit"));

        // The key and its counter read once; one claim of the 500 uses (not 500 claims of a tenth of what is left).
        Assert.Equal(2, counter.Reads);
        Assert.Equal(1, counter.Writes);
    }

    [Fact]
    public async Task Validate_AddsTheReportedUsesToTheDailyUsageCount()
    {
        var (tenant, key, keyId) = await SeedAsync(_app, limit: 1000);

        using (await ValidateAsync(_app, key, 7))
        using (await ValidateAsync(_app, key, null))
        {
        }

        await _app.Get<UsageRecorder>().FlushAsync(default);
        var usage = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=usage.daily&credentialId={keyId}");
        Assert.Equal(8, (long)Assert.Single(usage["items"]!.AsArray())!["count"]!);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("10001")]
    [InlineData("2147483648")]
    [InlineData("1.5")]
    [InlineData("\"3\"")]
    [InlineData("true")]
    public async Task Validate_RefusesUsesOutsideOneTo10000With400NamingUsesAndChangesNothing(string uses)
    {
        var (_, key, _) = await SeedAsync(_app, limit: 10);
        var before = await _app.SnapshotAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate")
        {
            Content = new StringContent($$"""{"uses":{{uses}}}""", Encoding.UTF8, "application/json"),
        };
        using var response = await _app.ClientWith(key).SendAsync(request);
        var body = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ProblemCodes.InvalidRequest);
        Assert.Equal("uses", (string?)body["field"]);

        Assert.Equal(before, await _app.SnapshotAsync());
        using var first = await ValidateAsync(_app, key, null);
        Assert.Equal("\"hour\";r=9;t=2400", ResponseHeader.Of(first, "RateLimit"));
    }

    [Fact]
    public async Task Validate_TwoInstancesChargedWithUsesTogetherNeverAdmitMoreThanTheLimit()
    {
        const int Limit = 100;
        const int Uses = 7;
        await using var other = await TestApp.StartAsync(_time, tablePrefix: _app.TablePrefix);
        var (_, key, _) = await SeedAsync(_app, Limit);

        var requests = Enumerable.Range(0, 20).SelectMany(_ => new[] { _app, other }).Select(async host =>
        {
            using var response = await ValidateAsync(host, key, Uses);
            return (Host: host, response.StatusCode);
        });
        var answers = await Task.WhenAll(requests);

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {a.StatusCode}"));
        // 280 uses asked for; at most the limit admitted, and most of it (refused reports spend what was left).
        var admittedUses = answers.Count(a => a.StatusCode == HttpStatusCode.OK) * Uses;
        Assert.InRange(admittedUses, Limit / 2, Limit);
        Assert.Contains(answers, a => a.Host == _app && a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Contains(answers, a => a.Host == other && a.StatusCode == HttpStatusCode.TooManyRequests);
    }

    private static async Task<(string Tenant, string Key, string KeyId)> SeedAsync(TestApp app, int limit)
    {
        var tenant = (string)(await app.CreateTenantAsync(extra: new { rateLimitPerHour = limit }))["id"]!;
        await app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var key = await app.IssueKeyAsync(tenant, "alice", ["a"]);
        return (tenant, (string)key["key"]!, (string)key["id"]!);
    }

    private static async Task<HttpResponseMessage> ValidateAsync(TestApp app, string key, int? uses)
    {
        using var client = app.ClientWith(key);
        return uses is null
            ? await client.PostAsync("/api/v1/validate", null)
            : await client.PostAsJsonAsync("/api/v1/validate", new { uses });
    }
}
