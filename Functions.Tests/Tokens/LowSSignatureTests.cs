using System.Buffers.Text;
using System.Net;
using System.Numerics;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tokens;

/// <summary>
/// ES256 signatures have two encodings, (r, s) and (r, n − s); only the low-S one is accepted, and every token we sign
/// is in it (ASP.NET Core's JwtBearer accepting ours is <c>ResourceServerInteropTests</c>).
/// </summary>
public sealed class LowSSignatureTests : IAsyncLifetime
{
    private static readonly BigInteger Order = Hardening.TokenForgery.P256Order;

    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task IssuedTokens_AllCarryALowSAndAllValidate()
    {
        var client = await AppTestData.RegisterAsync(_app, ["reports:read"]);
        for (var i = 0; i < 200; i++)
        {
            var jwt = await AppTestData.TokenAsync(_app, client);
            Assert.True(S(jwt) <= Order / 2, $"token {i} has a high S");
            using var response = await AppTestData.ValidateAsync(_app, jwt);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"token {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Validate_RefusesTheHighSTwinOfAGoodToken()
    {
        var client = await AppTestData.RegisterAsync(_app, ["reports:read"]);
        var jwt = await AppTestData.TokenAsync(_app, client);

        // Verified (and cached) in its own encoding first: the twin must not ride on that.
        using (var ok = await AppTestData.ValidateAsync(_app, jwt))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var twin = WithS(jwt, Order - S(jwt));
        Assert.NotEqual(jwt, twin);
        using var refused = await AppTestData.ValidateAsync(_app, twin);
        await Problem.AssertAsync(refused, HttpStatusCode.Unauthorized, ProblemCodes.InvalidCredential);

        using var introspected = await AppTestData.PostFormAsync(_app.CreateClient(), "/api/v1/introspect", [new("token", twin)], (client.AppId, client.Secret));
        Assert.Equal("""{"active":false}""", await introspected.Content.ReadAsStringAsync());
    }

    private static BigInteger S(string jwt) =>
        new(Base64Url.DecodeFromChars(jwt.Split('.')[2]).AsSpan(32), isUnsigned: true, isBigEndian: true);

    private static string WithS(string jwt, BigInteger s)
    {
        var parts = jwt.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        var bytes = s.ToByteArray(isUnsigned: true, isBigEndian: true);
        Array.Clear(signature, 32, 32);
        bytes.CopyTo(signature, 64 - bytes.Length);
        return $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}";
    }
}
