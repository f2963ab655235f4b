using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>Storage faults: the limiter fails closed (503) when it needs storage, and never admits an uncounted request.</summary>
public sealed class RateLimitFaultTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private AzuriteServer _azurite = null!;

    // Its own Azurite: this test stops storage.
    public async Task InitializeAsync() => _azurite = await AzuriteServer.StartAsync();

    public async Task DisposeAsync() => await _azurite.DisposeAsync();

    [Fact]
    public async Task Validate_ServesTheClaimedSliceThenAnswers503WhileStorageIsDown()
    {
        await using var app = new TestApp(_azurite.ConnectionString, _time);
        var tenant = (string)(await app.CreateTenantAsync(extra: new { rateLimitPerHour = 20 }))["id"]!;
        await app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var key = (string)(await app.IssueKeyAsync(tenant, "alice", ["a"]))["key"]!;
        using var client = app.ClientWith(key);

        // The first validation claims a slice of ⌈0.1 × 20⌉ = 2.
        using (var first = await client.PostAsync("/api/v1/validate", null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        _azurite.Kill();

        // The key is cached and the slice holds one more: no storage needed.
        using var fromSlice = await client.PostAsync("/api/v1/validate", null);
        Assert.Equal(HttpStatusCode.OK, fromSlice.StatusCode);

        // The next one needs a claim: fail closed, with Retry-After.
        using var unavailable = await client.PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(unavailable, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        Assert.NotNull(unavailable.Headers.RetryAfter);
    }
}
