using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Health;

/// <summary><c>GET /api/health</c> reports storage and the signing-key source.</summary>
public sealed class HealthHttpTests
{
    [Fact]
    public async Task Health_ReportsTheDevelopmentKeySourceAndWarnsWhenTheVaultUriIsEmpty()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await TestApp.StartAsync(
            settings: new Dictionary<string, string?> { ["ServerlessAuth:KeyVault:Uri"] = "", ["ServerlessAuth:Tokens:Audience"] = "" },
            services: s => s.AddSingleton<ILoggerProvider>(logs));

        using var response = await app.CreateClient().GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("development", (string?)body["keySource"]);
        Assert.Equal("ok", (string?)body["checks"]!["signingKeys"]);
        Assert.Contains(logs.Lines, l => l.Contains(" 1505 ", StringComparison.Ordinal) && l.Contains("development only", StringComparison.Ordinal));
    }
}
