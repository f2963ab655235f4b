using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.AspNetCore;

/// <summary>
/// JWTs presented to a provider's API with ServerlessAuth.AspNetCore: verified locally from the discovery document and
/// JWKS with no call per request, or by <c>validate</c> when the API asks for revocations to be seen.
/// </summary>
public sealed class JwtSchemeTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private TestApp _server = null!;

    public async Task InitializeAsync() => _server = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Jwt_IsVerifiedLocallyWithNoCallAfterTheFirstJwksFetch()
    {
        await using var api = await ProviderApi.StartAsync(_server, time: _time);
        var registered = await AppTestData.RegisterAsync(_server, ["contacts:read"]);
        var token = await AppTestData.TokenAsync(_server, registered);

        using (var first = await api.GetContactsAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var body = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(registered.AppId, (string?)body["name"]);
            Assert.Equal(registered.Tenant, (string?)body["tenant"]);
            Assert.Equal(ServerlessAuthCredentialKinds.Jwt, (string?)body["kind"]);
            Assert.Equal((string?)AppTestData.Payload(token)["jti"], (string?)body["credentialId"]);
            Assert.Equal(["contacts:read"], body["scopes"]!.AsArray().Select(s => (string)s!));
        }

        var afterFirst = api.AllCalls;
        Assert.Equal(1, api.Calls("/.well-known/openid-configuration"));
        Assert.Equal(1, api.Calls("/.well-known/jwks.json"));
        for (var i = 0; i < 100; i++)
        {
            using var response = await api.GetContactsAsync(token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(afterFirst, api.AllCalls);
        Assert.Equal(0, api.ValidateCalls);
    }

    [Fact]
    public async Task Jwt_TamperedForeignAudienceOrExpired_IsRefused401()
    {
        await using var api = await ProviderApi.StartAsync(_server, time: _time);
        var registered = await AppTestData.RegisterAsync(_server, ["contacts:read"]);
        var token = await AppTestData.TokenAsync(_server, registered);
        var tampered = AppTestData.Forge(token, payload: p => p["scope"] = "contacts:read contacts:write");
        await using var otherAudience = await TestApp.StartAsync(_time, new Dictionary<string, string?>
        {
            ["ServerlessAuth:Storage:TablePrefix"] = _server.TablePrefix,
            ["ServerlessAuth:Tokens:Audience"] = "https://another-api.example",
        });
        var foreign = await AppTestData.TokenAsync(otherAudience, registered);

        foreach (var refused in new[] { tampered, foreign })
        {
            using var response = await api.GetContactsAsync(refused);
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
            Assert.StartsWith("Bearer error=\"invalid_token\"", Problem.Challenge(response));
        }

        // One hour of lifetime plus the 30 s skew: accepted one second before, refused at it.
        var issuedAt = _time.GetUtcNow();
        _time.SetUtcNow(issuedAt.AddHours(1).AddSeconds(29));
        using (var before = await api.GetContactsAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _time.SetUtcNow(issuedAt.AddHours(1).AddSeconds(31));
        using var expired = await api.GetContactsAsync(token);
        await Problem.AssertAsync(expired, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
        Assert.Equal(0, api.ValidateCalls);
    }

    [Fact]
    public async Task JwtValidatedRemotely_SeesItsRevocationWithinThePackageTtl()
    {
        await using var api = await ProviderApi.StartAsync(_server, o => o.JwtValidation = JwtValidationMode.Remote, _time);
        var registered = await AppTestData.RegisterAsync(_server, ["contacts:read"]);
        var token = await AppTestData.TokenAsync(_server, registered);

        using (var accepted = await api.GetContactsAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        Assert.Equal(1, api.ValidateCalls);
        using (var revoke = await AppTestData.PostFormAsync(_server.CreateClient(), "/api/v1/revoke", [new("token", token)], (registered.AppId, registered.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using (var cached = await api.GetContactsAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }

        _time.Advance(TimeSpan.FromSeconds(5));
        using var refused = await api.GetContactsAsync(token);
        await Problem.AssertAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    [Fact]
    public async Task Jwt_WhenTheJwksCannotBeRead_IsAnswered503NeverAccepted()
    {
        await using var api = await ProviderApi.StartAsync(_server, o => o.Authority = ProviderApi.InProcessAuthority + "/not-here", _time);
        var registered = await AppTestData.RegisterAsync(_server, ["contacts:read"]);
        var token = await AppTestData.TokenAsync(_server, registered);

        using var response = await api.GetContactsAsync(token);
        await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
