using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>
/// Repeated failed validations from one client address: over the budget they answer 429, while a valid credential
/// from the same address still validates.
/// </summary>
public sealed class FailureThrottleHttpTests : IAsyncLifetime
{
    private const string Attacker = "203.0.113.7";
    private readonly DateTimeOffset _start = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time;
    private TestApp _app = null!;
    private string _tenant = null!;
    private string _key = null!;

    public FailureThrottleHttpTests() => _time = new FakeTimeProvider(_start);

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(_time, Settings(trustForwardedFor: true));
        (_tenant, _key, _) = await _app.SeedAsync("owner", "a");
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Validate_Answers429ForFailuresOverTheBudgetWhileAGoodKeyFromTheSameAddressValidates()
    {
        for (var i = 0; i < 3; i++)
        {
            using var failed = await ValidateAsync(_app, Attacker, Typo(_key));
            await Problem.AssertAsync(failed, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }

        using var throttled = await ValidateAsync(_app, Attacker, Typo(_key));
        await Problem.AssertAsync(throttled, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal("60", Header(throttled, "Retry-After"));
        Assert.Equal("\"failures\";q=3;w=60", Header(throttled, "RateLimit-Policy"));
        Assert.Equal("\"failures\";r=0;t=60", Header(throttled, "RateLimit"));

        using var holder = await ValidateAsync(_app, Attacker, _key);
        Assert.Equal(HttpStatusCode.OK, holder.StatusCode);

        using var again = await ValidateAsync(_app, Attacker, Typo(_key));
        await Problem.AssertAsync(again, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
    }

    [Fact]
    public async Task Validate_CountsFailuresPerClientAddress()
    {
        await ExhaustAsync(Attacker);

        using var other = await ValidateAsync(_app, "198.51.100.1", Typo(_key));
        await Problem.AssertAsync(other, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task Validate_ForgetsAFailureExactlyOneWindowAfterIt()
    {
        await ExhaustAsync(Attacker);

        _time.SetUtcNow(_start.AddSeconds(30));
        using var midway = await ValidateAsync(_app, Attacker, Typo(_key));
        Assert.Equal(HttpStatusCode.TooManyRequests, midway.StatusCode);
        Assert.Equal("30", Header(midway, "Retry-After"));

        _time.SetUtcNow(_start.AddMinutes(1).AddTicks(-1));
        using var before = await ValidateAsync(_app, Attacker, Typo(_key));
        Assert.Equal(HttpStatusCode.TooManyRequests, before.StatusCode);
        Assert.Equal("1", Header(before, "Retry-After"));

        _time.SetUtcNow(_start.AddMinutes(1));
        using var at = await ValidateAsync(_app, Attacker, Typo(_key));
        await Problem.AssertAsync(at, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task Validate_CountsRevokedKeysButNotScopeRefusals()
    {
        // A 403 means the secret matched: its holder is not guessing, so these do not count.
        for (var i = 0; i < 5; i++)
        {
            using var denied = await ValidateAsync(_app, Attacker, _key, "?scope=b");
            await Problem.AssertAsync(denied, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        }

        var issued = await _app.IssueKeyAsync(_tenant, "alice", ["a"]);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{_tenant}/keys/{issued["id"]}");
        var revoked = (string)issued["key"]!;
        for (var i = 0; i < 3; i++)
        {
            using var refused = await ValidateAsync(_app, Attacker, revoked);
            await Problem.AssertAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }

        using var throttled = await ValidateAsync(_app, Attacker, revoked);
        await Problem.AssertAsync(throttled, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
    }

    [Fact]
    public async Task Validate_IgnoresForwardedForUnlessTrusted()
    {
        await using var app = await TestApp.StartAsync(_time, Settings(trustForwardedFor: false));
        var (_, key, _) = await app.SeedAsync("owner", "a");
        for (var i = 0; i < 3; i++)
        {
            using var failed = await ValidateAsync(app, $"198.51.100.{i}", Typo(key));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        // A new X-Forwarded-For value each time does not buy a new budget: the connection's address counts.
        using var throttled = await ValidateAsync(app, "198.51.100.99", Typo(key));
        await Problem.AssertAsync(throttled, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
    }

    private static Dictionary<string, string?> Settings(bool trustForwardedFor) => new()
    {
        ["ServerlessAuth:RateLimiting:FailureLimit"] = "3",
        ["ServerlessAuth:RateLimiting:FailureWindow"] = "00:01:00",
        ["ServerlessAuth:RateLimiting:TrustForwardedFor"] = trustForwardedFor ? "true" : "false",
    };

    private async Task ExhaustAsync(string address)
    {
        for (var i = 0; i < 3; i++)
        {
            using var failed = await ValidateAsync(_app, address, Typo(_key));
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var throttled = await ValidateAsync(_app, address, Typo(_key));
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
    }

    /// <summary>The key with its last character changed: a bad checksum, refused without storage.</summary>
    private static string Typo(string key) => key[..^1] + (key[^1] == 'a' ? 'b' : 'a');

    private static async Task<HttpResponseMessage> ValidateAsync(TestApp app, string forwardedFor, string key, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Add("X-Forwarded-For", forwardedFor + ", 10.0.0.1");
        return await app.CreateClient().SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
