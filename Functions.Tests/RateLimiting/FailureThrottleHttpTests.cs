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

    [Fact]
    public async Task ControlPlane_Answers429ProblemForFailuresOverTheBudgetWhileValidCredentialsStillWork()
    {
        for (var i = 0; i < 3; i++)
        {
            using var failed = await SendAsync(_app, HttpMethod.Get, $"/api/v1/tenants/{_tenant}", Attacker, bearer: Typo(TestApp.AdminKey));
            await Problem.AssertAsync(failed, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }

        using var throttled = await SendAsync(_app, HttpMethod.Get, $"/api/v1/tenants/{_tenant}", Attacker, bearer: Typo(_key));
        await Problem.AssertAsync(throttled, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal("60", Header(throttled, "Retry-After"));
        Assert.Equal("\"failures\";q=3;w=60", Header(throttled, "RateLimit-Policy"));

        // The budget is the address's, wherever it presents credentials: validate is over it too.
        using var validate = await ValidateAsync(_app, Attacker, Typo(_key));
        await Problem.AssertAsync(validate, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);

        // The holders of good credentials behind the same address are not locked out.
        using var admin = await SendAsync(_app, HttpMethod.Get, $"/api/v1/tenants/{_tenant}", Attacker, bearer: TestApp.AdminKey);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        using var owner = await SendAsync(_app, HttpMethod.Get, $"/api/v1/tenants/{_tenant}", Attacker, bearer: _key);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task OAuthEndpoints_Answer429RateLimitedForWrongSecretsOverTheBudgetWhileTheRightSecretStillWorks()
    {
        var client = await AppTestData.RegisterInAsync(_app, _tenant, ["a"]);
        var wrong = client.Secret[..10] + (client.Secret[10] == 'A' ? 'B' : 'A') + client.Secret[11..];
        var grant = new KeyValuePair<string, string>("grant_type", "client_credentials");
        for (var i = 0; i < 3; i++)
        {
            using var failed = await SendFormAsync(_app, "/api/v1/token", Attacker, (client.AppId, wrong), grant);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            Assert.Equal("invalid_client", await ErrorAsync(failed));
        }

        // Over the budget: the RFC 6749 error shape with the IETF headers, on each endpoint that authenticates clients.
        foreach (var (path, form) in new[] { ("/api/v1/token", grant), ("/api/v1/introspect", new("token", "x")), ("/api/v1/revoke", new("token", "x")) })
        {
            using var throttled = await SendFormAsync(_app, path, Attacker, (client.AppId, wrong), form);
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Equal("rate_limited", await ErrorAsync(throttled));
            Assert.Equal("60", Header(throttled, "Retry-After"));
            Assert.Equal("\"failures\";q=3;w=60", Header(throttled, "RateLimit-Policy"));
        }

        using var token = await SendFormAsync(_app, "/api/v1/token", Attacker, (client.AppId, client.Secret), grant);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        using var kinabase = await SendAsync(_app, HttpMethod.Post, "/api/v1/token", Attacker, body: new { appId = client.AppId, appSecret = client.Secret });
        Assert.Equal(HttpStatusCode.OK, kinabase.StatusCode);
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

    private static async Task<HttpResponseMessage> SendAsync(TestApp app, HttpMethod method, string path, string forwardedFor, string? bearer = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await app.CreateClient().SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendFormAsync(TestApp app, string path, string forwardedFor, (string Id, string Secret) basic, KeyValuePair<string, string> field)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([field]) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{basic.Id}:{Uri.EscapeDataString(basic.Secret)}")));
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await app.CreateClient().SendAsync(request);
    }

    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        (string?)System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"];

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}
