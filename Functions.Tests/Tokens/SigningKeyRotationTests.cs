using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Tests.Tokens;

/// <summary>
/// Signing-key rotation on the development source: a new key is published first and signs only after the
/// publication delay (1 h); the retired key stays published until its tokens have expired (24 h maximum lifetime
/// plus 30 s skew), then leaves the JWKS.
/// </summary>
public sealed class SigningKeyRotationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Rotate_NewKeyIsPublishedAtOnceButSignsOnlyAfterThePublicationDelay()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var oldKid = Kid(await AppTestData.TokenAsync(_app, registered));

        var rotation = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/signing-keys/rotate");
        Assert.Equal("rotated", (string?)rotation["outcome"]);
        Assert.Equal("development", (string?)rotation["source"]);
        var newKid = rotation["keys"]!.AsArray().Single(k => (string?)k!["state"] == "pending")!["kid"]!.GetValue<string>();
        Assert.Equal([oldKid, newKid], await JwksKidsAsync(_app));

        var again = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/signing-keys/rotate");
        Assert.Equal("alreadyPending", (string?)again["outcome"]);
        Assert.Equal(2, (await JwksKidsAsync(_app)).Count);

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(oldKid, Kid(await AppTestData.TokenAsync(_app, registered)));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(newKid, Kid(await AppTestData.TokenAsync(_app, registered)));

        // Another instance over the same tables (or this one after a restart) publishes the same ring.
        await using var other = await TestApp.StartAsync(_time, new Dictionary<string, string?> { ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix });
        Assert.Equal([oldKid, newKid], await JwksKidsAsync(other));
    }

    [Fact]
    public async Task Rotate_TokenSignedBeforeValidatesUntilItExpiresAndNotOnceItsRetiredKeyIsRemoved()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"], new { tokenLifetimeMinutes = 1440 });
        var beforeRotation = await AppTestData.TokenAsync(_app, registered);
        var oldKid = Kid(beforeRotation);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/signing-keys/rotate");

        // Past activation of the new key: the old one is retired but its token still validates.
        _time.Advance(TimeSpan.FromHours(2));
        Assert.NotEqual(oldKid, Kid(await AppTestData.TokenAsync(_app, registered)));
        using (var retired = await AppTestData.ValidateAsync(_app, beforeRotation))
        {
            Assert.Equal(HttpStatusCode.OK, retired.StatusCode);
        }

        // The old key stays published until activation of its successor + 24 h + 30 s, then leaves the JWKS.
        var removal = Start + TimeSpan.FromHours(1) + TimeSpan.FromHours(24) + TimeSpan.FromSeconds(30);
        _time.SetUtcNow(removal - TimeSpan.FromSeconds(1));
        Assert.Contains(oldKid, await JwksKidsAsync(_app));
        _time.SetUtcNow(removal);
        Assert.DoesNotContain(oldKid, await JwksKidsAsync(_app));

        // A token of the removed key is refused as not ours (invalid), not merely as expired.
        using var removed = await AppTestData.ValidateAsync(_app, beforeRotation);
        await Problem.AssertAsync(removed, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task RotateIfDue_RotatesOnlyOnceTheSigningKeyIsOlderThanTheRotationInterval()
    {
        var ring = _app.Services.GetRequiredService<SigningKeyRing>();
        var (notYet, _) = await ring.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal(RotationOutcome.NotDue, notYet);
        Assert.Single(await JwksKidsAsync(_app));

        _time.Advance(TimeSpan.FromDays(30));
        var (due, snapshot) = await ring.RotateIfDueAsync(CancellationToken.None);
        Assert.Equal(RotationOutcome.Rotated, due);
        Assert.Equal(2, snapshot.Keys.Count);
        Assert.Equal(2, (await JwksKidsAsync(_app)).Count);
    }

    [Fact]
    public async Task Rotate_OperatorKeyIsRefusedWith403AndNothingRotates()
    {
        var (_, ownerKey, _) = await _app.SeedAsync("owner", "a");
        using var refused = await _app.ClientWith(ownerKey).PostAsync("/api/v1/admin/signing-keys/rotate", null);
        await Problem.AssertAsync(refused, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Single(await JwksKidsAsync(_app));
    }

    [Fact]
    public async Task Jwks_PublishesOnlyPublicP256KeysWithCacheControl()
    {
        using var response = await _app.CreateClient().GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(15), response.Headers.CacheControl?.MaxAge);
        Assert.True(response.Headers.CacheControl?.Public);
        var key = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["keys"]!.AsArray().Single()!.AsObject();
        Assert.Equal(["kty", "use", "kid", "alg", "crv", "x", "y"], key.Select(p => p.Key));
        Assert.Equal("EC", (string?)key["kty"]);
        Assert.Equal("P-256", (string?)key["crv"]);
        Assert.Equal("ES256", (string?)key["alg"]);
        Assert.Null(key["d"]);
    }

    private static string Kid(string token) => (string)AppTestData.Header(token)["kid"]!;

    private static async Task<List<string>> JwksKidsAsync(TestApp app)
    {
        var jwks = JsonNode.Parse(await app.CreateClient().GetStringAsync("/.well-known/jwks.json"))!;
        return [.. jwks["keys"]!.AsArray().Select(k => (string)k!["kid"]!)];
    }
}
