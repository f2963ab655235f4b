using System.Net;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Validation;

/// <summary>
/// The two TTLs of the validation cache: keys live for <c>Cache:Ttl</c>, tenants and operators for
/// <c>Cache:DirectoryTtl</c>. What each costs in storage reads, and which bound each change obeys across instances
/// (two hosts over the same tables, one clock in the test's hands).
/// </summary>
public sealed class ValidationCacheTtlTests
{
    private static readonly TimeSpan KeyTtl = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DirectoryTtl = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["ServerlessAuth:Cache:Ttl"] = "00:00:02",
        ["ServerlessAuth:Cache:DirectoryTtl"] = "00:01:00",
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));

    private static async Task<HttpStatusCode> StatusAsync(TestApp app, string key, string query = "")
    {
        using var response = await app.ClientWith(key).PostAsync("/api/v1/validate" + query, null);
        return response.StatusCode;
    }

    [Fact]
    public async Task Validate_KeyCacheMissWithWarmTenantAndOperatorCostsExactlyOneRead()
    {
        await using var app = await TestApp.StartAsync(_time, Settings);
        var (_, key, _) = await app.SeedAsync("owner", "a");

        // Warms the key, its tenant and operator, and claims a slice of the key's hourly budget.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, key));

        using var counter = new StorageRequestCounter(app.Services);
        for (var i = 0; i < 5; i++)
        {
            // The key entry has expired; the tenant and operator entries have not.
            _time.Advance(KeyTtl);
            counter.Reset();
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, key));
            Assert.Equal(1, counter.Reads);
            Assert.Equal(1, counter.Total);
        }

        // Once the directory TTL has passed too, the tenant and operator are read again: three reads.
        _time.Advance(DirectoryTtl);
        counter.Reset();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, key));
        Assert.Equal(3, counter.Reads);
        Assert.Equal(3, counter.Total);
    }

    [Fact]
    public async Task Revoke_ReachesAnotherWarmInstanceExactlyAtTheKeyTtlWhateverTheDirectoryTtl()
    {
        await using var first = await TestApp.StartAsync(_time, Settings);
        await using var second = await TestApp.StartAsync(_time, Settings, tablePrefix: first.TablePrefix);
        var (tenant, key, keyId) = await first.SeedAsync("owner", "a");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first, key));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second, key));

        await TestApp.SendOkAsync(first.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(first, key));

        // The other instance serves its cached key until the key TTL, not the (longer) directory TTL.
        _time.Advance(KeyTtl - TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second, key));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var revoked = await second.ClientWith(key).PostAsync("/api/v1/validate", null);
        await Problem.AssertAsync(revoked, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    [Fact]
    public async Task RemovePermission_ReachesAnotherWarmInstanceExactlyAtTheDirectoryTtl()
    {
        await using var first = await TestApp.StartAsync(_time, Settings);
        await using var second = await TestApp.StartAsync(_time, Settings, tablePrefix: first.TablePrefix);
        var (tenant, key, _) = await first.SeedAsync("owner", "a", "b");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second, key, "?scope=a"));

        await first.PutOperatorAsync(tenant, "alice", "owner", "b");
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(first, key, "?scope=a"));

        // The key is re-read every key TTL, but the operator's permissions only once its own entry expires.
        _time.Advance(DirectoryTtl - TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second, key, "?scope=a"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        using var refused = await second.ClientWith(key).PostAsync("/api/v1/validate?scope=a", null);
        await Problem.AssertAsync(refused, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }
}
