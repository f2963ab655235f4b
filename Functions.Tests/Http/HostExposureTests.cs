using System.Net;
using System.Text.Json.Nodes;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Http;

/// <summary>
/// What the standalone host shows about itself outside Development: no OpenAPI document unless enabled, no
/// <c>Server</c> header, and no silent development key source (its refusal at start: <see cref="Hosting.StartupTests"/>).
/// </summary>
public sealed class HostExposureTests
{
    private static Dictionary<string, string?> Production(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["environment"] = "Production", ["ServerlessAuth:KeyVault:AllowDevelopmentKeySource"] = "true" };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task OpenApi_IsNotServedOutsideDevelopment()
    {
        await using var app = await TestApp.StartAsync(settings: Production());
        using var document = await app.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.NotFound, document.StatusCode);

        using var health = await app.CreateClient().GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task OpenApi_IsServedOutsideDevelopmentWhenEnabled()
    {
        await using var app = await TestApp.StartAsync(settings: Production(("ServerlessAuth:OpenApi:Enabled", "true")));
        var document = JsonNode.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        Assert.NotNull(document["paths"]!["/api/v1/validate"]);
    }

    [Fact]
    public async Task StandaloneHost_AnswersWithoutAServerHeader()
    {
        // Kestrel itself (TestServer adds no such header), on a port the system picks.
        await using var app = await TestApp.StartAsync();
        app.UseKestrel(0);
        app.StartServer();
        using var client = app.CreateClient();
        Assert.False(client.BaseAddress!.IsDefaultPort, $"not a real server: {client.BaseAddress}");

        using var health = await client.GetAsync("/api/health");
        using var refused = await client.PostAsync("/api/v1/validate", null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Empty(health.Headers.Server);
        Assert.Empty(refused.Headers.Server);
    }
}
