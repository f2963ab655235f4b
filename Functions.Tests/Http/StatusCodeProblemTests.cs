using System.Net;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Http;

/// <summary>A path that is no route, or a route asked with another method, answers problem+json like every other error.</summary>
public sealed class StatusCodeProblemTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/api/v1/nothing-here")]
    [InlineData("POST", "/api/v1/tenants/acme/unknown")]
    [InlineData("DELETE", "/api/v2/validate")]
    public async Task UnknownPath_Answers404NotFoundProblemGivenAnyMethod(string method, string path)
    {
        using var response = await _app.Admin().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await Problem.AssertAsync(response, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("GET", "/api/v1/validate", "POST")]
    [InlineData("PUT", "/api/v1/token", "POST")]
    [InlineData("POST", "/api/health", "GET")]
    [InlineData("POST", "/api/v1/tenants/acme/keys/k1", "GET, DELETE")]
    public async Task KnownPath_Answers405WithAllowAndProblemGivenAnotherMethod(string method, string path, string allowed)
    {
        var before = await _app.SnapshotAsync();

        using var response = await _app.Admin().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await Problem.AssertAsync(response, HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed);
        Assert.Equal(allowed.Split(", ").Order(StringComparer.Ordinal), response.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Equal(before, await _app.SnapshotAsync());
    }
}
