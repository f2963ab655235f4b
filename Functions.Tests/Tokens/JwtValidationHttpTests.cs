using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tokens;

/// <summary><c>POST /api/v1/validate</c> with JWTs: the same answers as for API keys, and every refusal a verifier owes.</summary>
public sealed class JwtValidationHttpTests : IAsyncLifetime
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(_time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Validate_JwtAnswersLikeAnApiKeyWithKindJwt()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["records:read", "records:write"]);
        var token = await AppTestData.TokenAsync(_app, registered);

        using var response = await AppTestData.ValidateAsync(_app, token, "records:read");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True((bool)body["active"]!);
        Assert.Equal("jwt", (string?)body["kind"]);
        Assert.Equal(registered.Tenant, (string?)body["tenantId"]);
        Assert.Equal((string?)AppTestData.Payload(token)["jti"], (string?)body["credentialId"]);
        Assert.Equal(registered.AppId, (string?)body["subject"]);
        Assert.Equal(["records:read", "records:write"], body["scopes"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(_time.GetUtcNow().AddHours(1), (DateTimeOffset)body["expiresAt"]!);

        using var viaApiKeyHeader = _app.CreateClient();
        viaApiKeyHeader.DefaultRequestHeaders.Add("x-api-key", token);
        using var alsoOk = await viaApiKeyHeader.PostAsync("/api/v1/validate", null);
        Assert.Equal(HttpStatusCode.OK, alsoOk.StatusCode);
    }

    [Fact]
    public async Task Validate_JwtLackingARequiredScopeAnswers403InsufficientScope()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["records:read"]);
        using var response = await AppTestData.ValidateAsync(_app, await AppTestData.TokenAsync(_app, registered), "records:write");
        var problem = await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
        Assert.Equal("records:write", (string?)problem["scope"]);
    }

    [Fact]
    public async Task Validate_ExpiryHoldsUntilOneSecondBeforeExpPlusSkewAndFailsExactlyAtIt()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);
        var exp = DateTimeOffset.FromUnixTimeSeconds((long)AppTestData.Payload(token)["exp"]!);

        _time.SetUtcNow(exp + Skew - TimeSpan.FromSeconds(1));
        using (var before = await AppTestData.ValidateAsync(_app, token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _time.SetUtcNow(exp + Skew);
        using var at = await AppTestData.ValidateAsync(_app, token);
        await Problem.AssertAsync(at, HttpStatusCode.Unauthorized, ProblemCodes.CredentialExpired);
        Assert.Contains("error=\"invalid_token\"", Problem.Challenge(at));
    }

    [Fact]
    public async Task Validate_NotBeforeIsRefusedUntilNbfMinusSkewOnAnInstanceWhoseClockIsBehind()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);
        var nbf = DateTimeOffset.FromUnixTimeSeconds((long)AppTestData.Payload(token)["nbf"]!);

        // A second instance over the same tables whose clock runs behind the issuer's.
        var behind = new FakeTimeProvider(nbf - Skew - TimeSpan.FromSeconds(1));
        await using var other = await TestApp.StartAsync(behind, new Dictionary<string, string?> { ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix });
        using (var early = await AppTestData.ValidateAsync(other, token))
        {
            await Problem.AssertAsync(early, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }

        behind.Advance(TimeSpan.FromSeconds(1));
        using var onTime = await AppTestData.ValidateAsync(other, token);
        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
    }

    public static TheoryData<string, Func<string, string>> Forgeries => new()
    {
        { "payload changed", t => AppTestData.Forge(t, payload: p => p["scope"] = "a admin") },
        { "alg none", t => AppTestData.Forge(t, header: h => h["alg"] = "none").Split('.')[0] + "." + t.Split('.')[1] + "." },
        { "alg HS256", t => AppTestData.Forge(t, header: h => h["alg"] = "HS256") },
        { "typ JWT", t => AppTestData.Forge(t, header: h => h["typ"] = "JWT") },
        { "jku header", t => AppTestData.Forge(t, header: h => h["jku"] = "https://attacker.example/jwks.json") },
        { "jwk header", t => AppTestData.Forge(t, header: h => h["jwk"] = new JsonObject { ["kty"] = "EC" }) },
        { "x5u header", t => AppTestData.Forge(t, header: h => h["x5u"] = "https://attacker.example/cert.pem") },
        { "zip header", t => AppTestData.Forge(t, header: h => h["zip"] = "DEF") },
        { "unknown kid", t => AppTestData.Forge(t, header: h => h["kid"] = "20300101-unknown0001") },
        { "five segments (JWE)", t => t + ".e30.e30" },
        { "signature truncated", t => t[..^2] },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Validate_ForgedOrNonCompactJwtAnswers401InvalidCredential(string forgery, Func<string, string> forge)
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);

        using var response = await AppTestData.ValidateAsync(_app, forge(token));
        var problem = await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        Assert.True(problem is not null, forgery);
    }

    [Fact]
    public async Task Validate_TokenSignedWithAForeignKeyUnderOurKidAnswers401()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var genuine = await AppTestData.TokenAsync(_app, registered);
        var claims = AppTestData.Payload(genuine);

        // Same header and claims, signed by a key that is not ours: a verifier must only trust its own ring.
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // In the low-S encoding, so that the refusal is owed to the key alone.
        var forged = ServerlessAuth.Tokens.LowS.Normalize(new JsonWebTokenHandler().CreateToken(claims.ToJsonString(), new SigningCredentials(
            new ECDsaSecurityKey(foreign) { KeyId = (string)AppTestData.Header(genuine)["kid"]! }, SecurityAlgorithms.EcdsaSha256),
            new Dictionary<string, object> { ["typ"] = "at+jwt" }));

        using var response = await AppTestData.ValidateAsync(_app, forged);
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
    }

    [Fact]
    public async Task Validate_TokenOfAnotherIssuerOrAudienceAnswers401EvenWithOurKeys()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        foreach (var (setting, value) in new[] { ("ServerlessAuth:Issuer", "https://elsewhere.example"), ("ServerlessAuth:Tokens:Audience", "https://other-api.example") })
        {
            // Another deployment over the same tables (so the same signing keys) that issues differently.
            await using var other = await TestApp.StartAsync(_time, new Dictionary<string, string?>
            {
                ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix,
                [setting] = value,
            });
            var token = await AppTestData.TokenAsync(other, registered);
            using var response = await AppTestData.ValidateAsync(_app, token);
            await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);
        }
    }

    [Fact]
    public async Task Validate_RevokedTokenAnswers401RevokedHereAndOnAnotherInstanceAndOthersStillWork()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var revoked = await AppTestData.TokenAsync(_app, registered);
        var kept = await AppTestData.TokenAsync(_app, registered);

        using var revocation = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/revoke", [new("token", revoked)]);
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);

        using (var here = await AppTestData.ValidateAsync(_app, revoked))
        {
            await Problem.AssertAsync(here, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }

        await using var restarted = await TestApp.StartAsync(_time, new Dictionary<string, string?> { ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix });
        using (var there = await AppTestData.ValidateAsync(restarted, revoked))
        {
            await Problem.AssertAsync(there, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
        }

        using var other = await AppTestData.ValidateAsync(restarted, kept);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        using var again = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/revoke", [new("token", revoked)]);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var unknown = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/revoke", [new("token", "not-a-token")]);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
    }

    [Fact]
    public async Task Validate_TenantWithApiSwitchedOffAfterIssueAnswers403ApiNotEnabled()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{registered.Tenant}", new { apiEnabled = false });

        using var response = await AppTestData.ValidateAsync(_app, token);
        await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.ApiNotEnabled);
    }

    [Fact]
    public async Task ControlPlane_AppTokenIsRefusedWith403()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["a"]);
        var token = await AppTestData.TokenAsync(_app, registered);
        using var response = await _app.ClientWith(token).GetAsync($"/api/v1/tenants/{registered.Tenant}/apps");
        await Problem.AssertAsync(response, HttpStatusCode.Forbidden, ProblemCodes.InsufficientScope);
    }

    [Fact]
    public async Task RevokeEndpoint_RevokesAnApiKeyPresentedByItsHolder()
    {
        var (_, key, _) = await _app.SeedAsync("owner", "a");
        using var revocation = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/revoke", [new("token", key), new("token_type_hint", "access_token")]);
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);

        using var after = await AppTestData.ValidateAsync(_app, key);
        await Problem.AssertAsync(after, HttpStatusCode.Unauthorized, ProblemCodes.CredentialRevoked);
    }

    [Fact]
    public async Task Validate_TokenOfAnOperatorsAppCostsOneCachedRegistrantReadAndNothingWarm()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "olivia", "owner", "a", "serverlessauth:apps");
        var olivia = _app.ClientWith((string)(await _app.IssueKeyAsync(tenant, "olivia", ["a", "serverlessauth:apps"]))["key"]!);
        var first = await AppTestData.TokenAsync(_app, await AppTestData.RegisterInAsync(_app, tenant, ["a"]));
        var byAdmin = await AppTestData.TokenAsync(_app, await AppTestData.RegisterInAsync(_app, tenant, ["a"]));
        var byOperator = await AppTestData.TokenAsync(_app, await AppTestData.RegisterInAsync(_app, tenant, ["a"], olivia));

        // A second instance over the same tables, its caches cold; the first token warms the tenant and the tables.
        await using var fresh = new TestApp((await AzuriteServer.Shared).ConnectionString, _time, new Dictionary<string, string?> { ["ServerlessAuth:Storage:TablePrefix"] = _app.TablePrefix });
        using var counter = new StorageRequestCounter(fresh.Services);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first));

        counter.Reset();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(byAdmin));
        var adminAppReads = counter.Reads;

        // The same for an app an operator registered, plus exactly one read: its registrant, cached from then on.
        counter.Reset();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(byOperator));
        Assert.Equal(adminAppReads + 1, counter.Reads);

        counter.Reset();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(byOperator));
        }

        Assert.Equal(0, counter.Total);

        async Task<HttpStatusCode> StatusAsync(string token)
        {
            using var response = await AppTestData.ValidateAsync(fresh, token);
            return response.StatusCode;
        }
    }
}
