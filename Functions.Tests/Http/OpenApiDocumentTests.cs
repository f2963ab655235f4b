using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Http;

public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task OpenApiDocument_DescribesEveryRouteOfTheRouteTable()
    {
        var document = JsonNode.Parse(await _app.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();

        foreach (var (method, template, name) in ServerlessAuthRoutes.All)
        {
            Assert.True(paths.ContainsKey(template), $"{template} missing from the OpenAPI document");
            var operation = paths[template]![method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{method} {template} missing from the OpenAPI document");
            Assert.Equal(name, (string?)operation!["operationId"]);
        }
    }

    [Fact]
    public async Task OpenApiDocument_DescribesJsonBodiesWithTheirRequiredFields()
    {
        var document = JsonNode.Parse(await _app.CreateClient().GetStringAsync("/openapi/v1.json"))!;
        var body = document["paths"]!["/api/v1/tenants/{tenantId}/keys"]!["post"]!["requestBody"]!;
        Assert.True((bool?)body["required"]);
        Assert.NotNull(body["content"]!["application/json"]!["schema"]);
    }

    [Fact]
    public async Task RouteTable_MatchesTheEndpointsTheStandaloneHostServes()
    {
        var sources = _app.Services.GetServices<Microsoft.AspNetCore.Routing.EndpointDataSource>();
        var served = sources.SelectMany(s => s.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true || e.RoutePattern.RawText?.StartsWith("/.well-known", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(ServerlessAuthRoutes.All.Select(r => $"{r.Method} {r.Template}").Order(StringComparer.Ordinal), served);
    }
}
