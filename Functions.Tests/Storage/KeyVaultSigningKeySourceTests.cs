using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Tests.Storage;

/// <summary>The Key Vault key source with <see cref="SecretClient"/> substituted: found, missing, and every kind of fault.</summary>
public sealed class KeyVaultSigningKeySourceTests
{
    private const string Name = SubstitutedVault.SecretName;
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task LoadAsync_ReadsTheNewestVersionAndEveryOlderVersionItsRingNames()
    {
        var client = Substitute.For<SecretClient>();
        var older = SubstitutedVault.Secret(Name, "v1", NewPem(), KeyVaultSigningKeySource.PemContentType, Tags("kid-old", Now.AddDays(-30)));
        var newest = SubstitutedVault.Secret(Name, "v2", NewPem(), KeyVaultSigningKeySource.PemContentType, Tags("kid-new", Now, ring: "v1"));
        client.GetSecretAsync(Name, null, null, Arg.Any<CancellationToken>()).Returns(Response.FromValue(newest, Substitute.For<Response>()));
        client.GetSecretAsync(Name, "v1", null, Arg.Any<CancellationToken>()).Returns(Response.FromValue(older, Substitute.For<Response>()));

        var keys = await Source(client).LoadAsync(CancellationToken.None);

        Assert.Equal(["kid-new", "kid-old"], keys.Select(k => k.Kid));
        Assert.Equal(Now, keys[0].ActivatesAt);
        Assert.Equal("v1", keys[1].SourceVersion);
    }

    [Fact]
    public async Task SigningKeyRing_CreatesTheFirstKeyAsAPemSecretWithTagsWhenTheSecretIsMissing()
    {
        var client = Substitute.For<SecretClient>();
        var saved = new List<KeyVaultSecret>();
        client.GetSecretAsync(Name, null, null, Arg.Any<CancellationToken>())
            .Returns(
                _ => Task.FromException<Response<KeyVaultSecret>>(new RequestFailedException(404, "SecretNotFound")),
                _ => Task.FromResult(Response.FromValue(
                    SubstitutedVault.Secret(Name, "v1", saved[0].Value, saved[0].Properties.ContentType, saved[0].Properties.Tags), Substitute.For<Response>())));
        client.SetSecretAsync(Arg.Do<KeyVaultSecret>(saved.Add), Arg.Any<CancellationToken>())
            .Returns(call => Response.FromValue(call.Arg<KeyVaultSecret>(), Substitute.For<Response>()));
        using var ring = Ring(client);

        var signer = await ring.GetSignerAsync(CancellationToken.None);

        var secret = Assert.Single(saved);
        Assert.Equal(Name, secret.Name);
        Assert.Equal("application/x-pem-file", secret.Properties.ContentType);
        Assert.Contains("BEGIN PRIVATE KEY", secret.Value);
        Assert.Equal(signer.Kid, secret.Properties.Tags["kid"]);
        Assert.Equal("ES256", secret.Properties.Tags["alg"]);
        Assert.Equal("", secret.Properties.Tags["ring"]);
        Assert.Equal(Now, DateTimeOffset.Parse(secret.Properties.Tags["activatesAt"], System.Globalization.CultureInfo.InvariantCulture));
    }

    public static TheoryData<Exception> VaultFaults => new()
    {
        new RequestFailedException(403, "Forbidden"),
        new RequestFailedException(429, "Too many requests"),
        new RequestFailedException(500, "Internal server error"),
        new RequestFailedException(503, "Service unavailable"),
        new HttpRequestException("Connection refused"),
    };

    [Theory]
    [MemberData(nameof(VaultFaults))]
    public async Task LoadAsync_VaultFaultIsThrownAsKeyVaultUnavailable(Exception fault)
    {
        var client = Substitute.For<SecretClient>();
        client.GetSecretAsync(Name, null, null, Arg.Any<CancellationToken>()).ThrowsAsync(fault);

        var thrown = await Assert.ThrowsAsync<ServiceUnavailableException>(() => Source(client).LoadAsync(CancellationToken.None));
        Assert.Equal("keyVault", thrown.Dependency);
        await client.DidNotReceive().SetSecretAsync(Arg.Any<KeyVaultSecret>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(403)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task Token_VaultFaultAnswers503UnavailableWithRetryAfterAndNoToken(int status)
    {
        var vault = new SubstitutedVault { Fault = new RequestFailedException(status, "vault says no") };
        await using var app = await TestApp.StartAsync(new FakeTimeProvider(Now), SubstitutedVault.Settings(), s => s.AddSingleton(vault.Client));
        var registered = await AppTestData.RegisterAsync(app, ["a"]);

        using var response = await TestApp.SendAsync(app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });
        var problem = await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("keyVault", (string?)problem["detail"]);
        Assert.Null(problem["token"] ?? problem["access_token"]);

        using var health = await app.CreateClient().GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var checks = (await health.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("keyVault", (string?)checks["keySource"]);
        Assert.Equal("unavailable", (string?)checks["checks"]!["signingKeys"]);
    }

    [Fact]
    public async Task Validate_IssuedTokensKeepValidatingFromCachedKeysWhileTheVaultFailsButIssuanceStops()
    {
        var time = new FakeTimeProvider(Now);
        var vault = new SubstitutedVault();
        await using var app = await TestApp.StartAsync(time, SubstitutedVault.Settings(), s => s.AddSingleton(vault.Client));
        var registered = await AppTestData.RegisterAsync(app, ["a"]);
        var token = await AppTestData.TokenAsync(app, registered);
        Assert.Single(vault.Versions);
        Assert.Equal((string?)AppTestData.Header(token)["kid"], vault.Versions[0].Properties.Tags["kid"]);

        vault.Fault = new RequestFailedException(503, "vault down");
        time.Advance(TimeSpan.FromMinutes(10)); // past the refresh interval: the ring is due for a reload

        using var validation = await AppTestData.ValidateAsync(app, token);
        Assert.Equal(HttpStatusCode.OK, validation.StatusCode);
        using var jwks = await app.CreateClient().GetAsync("/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);

        using var issuance = await TestApp.SendAsync(app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });
        await Problem.AssertAsync(issuance, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);

        vault.Fault = null;
        Assert.NotEmpty(await AppTestData.TokenAsync(app, registered));
    }

    [Fact]
    public async Task Rotate_WritesOneVersionNamingTheKeysStillPublished()
    {
        var time = new FakeTimeProvider(Now);
        var vault = new SubstitutedVault();
        await using var app = await TestApp.StartAsync(time, SubstitutedVault.Settings(), s => s.AddSingleton(vault.Client));
        var first = await TestApp.SendOkAsync(app.Admin(), HttpMethod.Post, "/api/v1/admin/signing-keys/rotate");
        Assert.Equal("rotated", (string?)first["outcome"]);
        Assert.Equal("keyVault", (string?)first["source"]);

        Assert.Equal(2, vault.Versions.Count);
        var newest = vault.Versions[1].Properties;
        Assert.Equal(vault.Versions[0].Properties.Version, newest.Tags["ring"]);
        Assert.Equal(Now.AddHours(1), DateTimeOffset.Parse(newest.Tags["activatesAt"], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Dictionary<string, string> Tags(string kid, DateTimeOffset activatesAt, string ring = "") => new()
    {
        ["kid"] = kid,
        ["alg"] = "ES256",
        ["activatesAt"] = activatesAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["ring"] = ring,
    };

    private static string NewPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static IOptions<ServerlessAuthOptions> Options() => Microsoft.Extensions.Options.Options.Create(new ServerlessAuthOptions());

    private static KeyVaultSigningKeySource Source(SecretClient client) =>
        new(client, Options(), NullLogger<KeyVaultSigningKeySource>.Instance);

    private static SigningKeyRing Ring(SecretClient client) =>
        new(Source(client), new FakeTimeProvider(Now), Options(), NullLogger<SigningKeyRing>.Instance);
}
