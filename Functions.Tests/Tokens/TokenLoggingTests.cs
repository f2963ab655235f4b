using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Tokens;

/// <summary>What the app and token flows log: ids and key ids, never a secret, a digest or a token.</summary>
public sealed class TokenLoggingTests
{
    [Fact]
    public async Task Logs_CarryIdsButNeverTheSecretItsDigestOrTheToken()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<ILoggerProvider>(logs));
        var registered = await AppTestData.RegisterAsync(app, ["a"]);
        var token = await AppTestData.TokenAsync(app, registered);
        var jti = (string)AppTestData.Payload(token)["jti"]!;

        using (await AppTestData.ValidateAsync(app, token, "missing"))
        using (await AppTestData.PostFormAsync(app.CreateClient(), "/api/v1/token", [new("grant_type", "client_credentials")], (registered.AppId, registered.Secret[..^4] + "AAA=")))
        using (await AppTestData.PostFormAsync(app.CreateClient(), "/api/v1/introspect", [new("token", token)], (registered.AppId, registered.Secret)))
        using (var revoked = await AppTestData.PostFormAsync(app.CreateClient(), "/api/v1/revoke", [new("token", token)]))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        var all = string.Join('\n', logs.Lines);
        Assert.Contains(registered.AppId, all);
        Assert.Contains(registered.SecretId, all);
        Assert.Contains(jti, all);
        Assert.DoesNotContain(registered.Secret, all);
        Assert.DoesNotContain(registered.Secret[..16], all);
        Assert.DoesNotContain(SecretDigest.Compute(registered.Secret), all);
        Assert.DoesNotContain(token.Split('.')[1], all);
        Assert.DoesNotContain(token.Split('.')[2], all);
    }
}
