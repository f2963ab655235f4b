using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>
/// Two instances sharing one storage account (two hosts on one table prefix): together they never admit more than
/// a credential's limit, and they withhold at most the stated bound.
/// </summary>
public sealed class CrossInstanceRateLimitTests : IAsyncLifetime
{
    private const int Limit = 100;

    // The under-admission bound of RateLimiting/README.md: (instances - 1) × ⌈ClaimFraction × limit⌉ = 1 × ⌈0.1 × 100⌉.
    private const int Bound = 10;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private TestApp _a = null!;
    private TestApp _b = null!;

    public async Task InitializeAsync()
    {
        var prefix = TestApp.NewTablePrefix();
        _a = await TestApp.StartAsync(_time, tablePrefix: prefix);
        _b = await TestApp.StartAsync(_time, tablePrefix: prefix);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Validate_TwoBusyHostsTogetherAdmitExactlyTheLimit()
    {
        var key = await SeedAsync();
        using var a = _a.ClientWith(key);
        using var b = _b.ClientWith(key);

        // 150 concurrent requests on each host, racing for the same counter.
        var requests = Enumerable.Range(0, 150).SelectMany(_ => new[] { a, b }).Select(async client =>
        {
            using var response = await client.PostAsync("/api/v1/validate", null);
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(requests);

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {s}"));

        // Each host was refused at least once, so each spent every slice it claimed: nothing is withheld.
        Assert.Equal(Limit, statuses.Count(s => s == HttpStatusCode.OK));
    }

    [Fact]
    public async Task Validate_AnIdleHostWithholdsAtMostOneSliceOfTheBudget()
    {
        var key = await SeedAsync();
        using var a = _a.ClientWith(key);
        using var b = _b.ClientWith(key);

        // A claims a slice of ⌈0.1 × 100⌉ = 10 and spends one; then only B is busy.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(a));
        var admittedByB = await AdmittedUntilRefusedAsync(b);

        Assert.True(1 + admittedByB <= Limit, $"admitted {1 + admittedByB} > {Limit}");
        Assert.True(1 + admittedByB >= Limit - Bound, $"admitted {1 + admittedByB} < {Limit} - {Bound}");
        Assert.Equal(Limit - Bound, admittedByB);

        // A still spends its slice, and nothing more: the window's total is exactly the limit.
        var admittedByA = await AdmittedUntilRefusedAsync(a);
        Assert.Equal(Limit, 1 + admittedByB + admittedByA);
    }

    private async Task<string> SeedAsync()
    {
        var tenant = (string)(await _a.CreateTenantAsync(extra: new { rateLimitPerHour = Limit }))["id"]!;
        await _a.PutOperatorAsync(tenant, "alice", "owner", "a");
        return (string)(await _a.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;
    }

    private static async Task<int> AdmittedUntilRefusedAsync(HttpClient client)
    {
        for (var admitted = 0; admitted <= 2 * Limit; admitted++)
        {
            if (await StatusAsync(client) != HttpStatusCode.OK)
            {
                return admitted;
            }
        }

        throw new InvalidOperationException("Never refused.");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/api/v1/validate", null);
        return response.StatusCode;
    }
}
