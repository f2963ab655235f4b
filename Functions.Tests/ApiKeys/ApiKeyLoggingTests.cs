using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.ApiKeys;

/// <summary>What the API key flows log, down to Debug: ids and hints, never a key, its digest or the admin key.</summary>
public sealed class ApiKeyLoggingTests
{
    [Fact]
    public async Task Logs_CarryIdsAndHintsButNeverAKeyOrItsDigest()
    {
        var logs = new CapturingLoggerProvider();
        var debug = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Debug" };
        await using var app = await TestApp.StartAsync(settings: debug, services: s => s.AddSingleton<ILoggerProvider>(logs));
        var (tenant, key, keyId) = await app.SeedAsync("owner", "a");
        var typo = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        var unknown = new ServerlessAuth.ApiKeys.ApiKeyFormat(Microsoft.Extensions.Options.Options.Create(new ServerlessAuthOptions()))
            .Create(ServerlessAuth.Tenants.TenantId.FromStorage(tenant));

        foreach (var credential in new[] { key, typo, unknown })
        {
            (await app.ClientWith(credential).PostAsync("/api/v1/validate?scope=a", null)).Dispose();
        }

        var rotated = await TestApp.SendOkAsync(app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{keyId}/rotate", new { overlapSeconds = 60 });
        var newKey = (string)rotated["key"]!;
        await TestApp.SendOkAsync(app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{rotated["id"]}");
        using (var revoked = await app.ClientWith(newKey).PostAsync("/api/v1/validate", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        }

        var all = string.Join('\n', logs.Lines);
        Assert.Contains("Unknown credential rejected", all); // Debug lines were captured too
        Assert.Contains(keyId, all);
        Assert.Contains("sa_live_…" + key[^4..], all);
        foreach (var secret in new[] { key, typo, unknown, newKey, TestApp.AdminKey })
        {
            Assert.DoesNotContain(secret, all);
            Assert.DoesNotContain(secret[..^6], all);
            Assert.DoesNotContain(SecretDigest.Compute(secret), all);
        }
    }
}
