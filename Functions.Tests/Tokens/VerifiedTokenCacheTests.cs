using System.Collections.Immutable;
using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Apps;
using ServerlessAuth.Http;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Tests.Tokens;

/// <summary>
/// The cache of verified tokens: a token presented again skips the signature verification, and nothing else. Its
/// lifetime, its revocation and its signing key are still judged on every use; the cache is bounded.
/// </summary>
public sealed class VerifiedTokenCacheTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private static async Task<bool> IsCachedAsync(TestApp app, string token)
    {
        var key = await app.Get<SigningKeyRing>().FindAsync((string)AppTestData.Header(token)["kid"]!, default);
        return key is not null && app.Get<VerifiedTokenCache>().TryGet(TokenDigest.Of(token), key.Stored, out _);
    }

    [Fact]
    public async Task Validate_CachedTokenIsAcceptedUntilOneSecondBeforeExpPlusSkewAndRefusedExactlyAtIt()
    {
        await using var app = await TestApp.StartAsync(_time);
        var registered = await AppTestData.RegisterAsync(app, ["a"]);
        var token = await AppTestData.TokenAsync(app, registered);
        var exp = DateTimeOffset.FromUnixTimeSeconds((long)AppTestData.Payload(token)["exp"]!);

        _time.SetUtcNow(exp - TimeSpan.FromSeconds(30));
        using (var first = await AppTestData.ValidateAsync(app, token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        _time.SetUtcNow(exp - TimeSpan.FromSeconds(1));
        Assert.True(await IsCachedAsync(app, token));
        using (var hit = await AppTestData.ValidateAsync(app, token))
        {
            Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        }

        // An entry never outlives the token's exp; within the skew the token is verified again, then refused at exp + skew.
        _time.SetUtcNow(exp);
        Assert.False(await IsCachedAsync(app, token));
        _time.SetUtcNow(exp + Skew - TimeSpan.FromSeconds(1));
        using (var inSkew = await AppTestData.ValidateAsync(app, token))
        {
            Assert.Equal(HttpStatusCode.OK, inSkew.StatusCode);
        }

        _time.SetUtcNow(exp + Skew);
        using var expired = await AppTestData.ValidateAsync(app, token);
        await Problem.AssertAsync(expired, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
    }

    [Fact]
    public async Task Validate_RevokedJtiOfACachedTokenIsRefusedAtOnceOnTheSameInstance()
    {
        await using var app = await TestApp.StartAsync(_time);
        var registered = await AppTestData.RegisterAsync(app, ["a"]);
        var token = await AppTestData.TokenAsync(app, registered);
        using (var first = await AppTestData.ValidateAsync(app, token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var revocation = await AppTestData.PostFormAsync(app.CreateClient(), "/api/v1/revoke", [new("token", token)]);
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);

        Assert.True(await IsCachedAsync(app, token));
        using var refused = await AppTestData.ValidateAsync(app, token);
        await Problem.AssertAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    [Fact]
    public async Task Validate_CachedTokenWhoseSigningKeyLeftTheRingIsRefused()
    {
        await using var app = await TestApp.StartAsync(_time, new Dictionary<string, string?> { ["ServerlessAuth:Tokens:KeyRefreshInterval"] = "00:00:01" });
        var registered = await AppTestData.RegisterAsync(app, ["a"]);
        var token = await AppTestData.TokenAsync(app, registered);
        using (var first = await AppTestData.ValidateAsync(app, token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var signer = (await app.Get<SigningKeyRing>().FindAsync((string)AppTestData.Header(token)["kid"]!, default))!.Stored;

        // The key disappears from the source (the development source's table); the next refresh of the ring drops it.
        var keys = new TableServiceClient((await AzuriteServer.Shared).ConnectionString).GetTableClient(app.TablePrefix + "SigningKeys");
        await foreach (var row in keys.QueryAsync<TableEntity>())
        {
            await keys.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(app.Get<VerifiedTokenCache>().TryGet(TokenDigest.Of(token), signer, out _));
        using var refused = await AppTestData.ValidateAsync(app, token);
        await Problem.AssertAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
    }

    private VerifiedTokenCache Cache(int maxEntries = 10_000, int ttlSeconds = 60) =>
        new(_time, Options.Create(new ServerlessAuthOptions
        {
            Tokens = new TokenOptions { VerifiedCacheMaxEntries = maxEntries, VerifiedCacheTtl = TimeSpan.FromSeconds(ttlSeconds) },
        }));

    private VerifiedToken Token(string jti, TimeSpan lifetime)
    {
        Assert.True(AppId.TryParse(Guid.NewGuid().ToString("D"), out var app));
        Assert.True(TenantId.TryParse("t-cache", out var tenant));
        var now = _time.GetUtcNow();
        return new VerifiedToken(jti, app, tenant, ImmutableSortedSet.Create("a"), now, now, now + lifetime);
    }

    [Fact]
    public void TryGet_EntryLivesForTheShorterOfTheTtlAndTheTokenLifetimeAndOnlyForItsKey()
    {
        var cache = Cache(ttlSeconds: 60);
        var key = StoredSigningKey.Create(_time.GetUtcNow(), _time.GetUtcNow());
        var shortLived = Token("short", TimeSpan.FromSeconds(30));
        var longLived = Token("long", TimeSpan.FromHours(1));
        cache.Add(TokenDigest.Of("short"), key, shortLived);
        cache.Add(TokenDigest.Of("long"), key, longLived);

        // Another key under the same kid (or the same token verified by another key) is not a hit.
        Assert.False(cache.TryGet(TokenDigest.Of("long"), key with { PrivateKeyPem = StoredSigningKey.Create(_time.GetUtcNow(), _time.GetUtcNow()).PrivateKeyPem }, out _));

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet(TokenDigest.Of("short"), key, out var found));
        Assert.Same(shortLived, found);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet(TokenDigest.Of("short"), key, out _));

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet(TokenDigest.Of("long"), key, out _));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet(TokenDigest.Of("long"), key, out _));
    }

    [Fact]
    public void Add_KeepsAtMostMaxEntriesDroppingExpiredOnesFirstThenThoseExpiringSoonest()
    {
        var cache = Cache(maxEntries: 10, ttlSeconds: 300);
        var key = StoredSigningKey.Create(_time.GetUtcNow(), _time.GetUtcNow());
        for (var i = 1; i <= 10; i++)
        {
            cache.Add(TokenDigest.Of("t" + i), key, Token("t" + i, TimeSpan.FromMinutes(i)));
        }

        Assert.Equal(10, cache.Count);

        // Full of live entries: the one expiring soonest (t1, in a minute) makes room.
        cache.Add(TokenDigest.Of("t11"), key, Token("t11", TimeSpan.FromHours(1)));
        Assert.Equal(10, cache.Count);
        Assert.False(cache.TryGet(TokenDigest.Of("t1"), key, out _));
        Assert.True(cache.TryGet(TokenDigest.Of("t2"), key, out _));
        Assert.True(cache.TryGet(TokenDigest.Of("t11"), key, out _));

        // Expired entries go first: t2 has expired, every other entry is live.
        _time.Advance(TimeSpan.FromMinutes(2));
        cache.Add(TokenDigest.Of("t12"), key, Token("t12", TimeSpan.FromHours(1)));
        Assert.Equal(10, cache.Count);
        Assert.True(cache.TryGet(TokenDigest.Of("t3"), key, out _));
        Assert.True(cache.TryGet(TokenDigest.Of("t12"), key, out _));

        for (var i = 0; i < 1000; i++)
        {
            cache.Add(TokenDigest.Of("flood" + i), key, Token("flood" + i, TimeSpan.FromHours(1)));
            Assert.True(cache.Count <= 10);
        }
    }

    [Fact]
    public void Add_KeepsNothingWhenTheTtlIsZero()
    {
        var cache = Cache(ttlSeconds: 0);
        var key = StoredSigningKey.Create(_time.GetUtcNow(), _time.GetUtcNow());
        cache.Add(TokenDigest.Of("t"), key, Token("t", TimeSpan.FromHours(1)));
        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryGet(TokenDigest.Of("t"), key, out _));
    }
}
