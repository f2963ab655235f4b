using System.Net;
using System.Text.Json.Nodes;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.RateLimiting;

/// <summary>The token endpoint spends the app's hourly budget, which the validations of its tokens share.</summary>
public sealed class TokenRateLimitTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Token_Answers429WithRetryAfterOnceTheAppsBudgetIsSpentByTokensAndValidations()
    {
        var registered = await AppTestData.RegisterAsync(_app, ["records:read"], new { rateLimitPerHour = 3 });

        var jwt = await AppTestData.TokenAsync(_app, registered);
        using (var validated = await AppTestData.ValidateAsync(_app, jwt))
        {
            Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        }

        await AppTestData.TokenAsync(_app, registered);

        using var refused = await _app.CreateClient().PostAsync("/api/v1/token", JsonContent(registered));
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("q=3", string.Join(',', refused.Headers.GetValues("RateLimit-Policy")), StringComparison.Ordinal);
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("rate_limited", (string?)body["error"]);
        Assert.Null(body["token"]);
    }

    private static StringContent JsonContent(AppTestData.RegisteredApp registered) =>
        new($"{{\"appId\":\"{registered.AppId}\",\"appSecret\":\"{registered.Secret}\"}}", System.Text.Encoding.UTF8, "application/json");
}
