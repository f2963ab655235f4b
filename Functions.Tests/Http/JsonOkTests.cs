using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Http;
using ServerlessAuth.Validation;

namespace ServerlessAuth.Tests.Http;

/// <summary>The validate answer's writer: one body with its length, and the same JSON the host's options would write.</summary>
public sealed class JsonOkTests
{
    public static TheoryData<string> Answers => ["apiKey", "jwt"];

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task JsonOk_SendsTheHostsJsonInOneBodyWithItsContentLength(string kind)
    {
        var answer = new ValidationResponse
        {
            Active = true,
            Kind = kind,
            TenantId = "acme",
            CredentialId = "key_1",
            Subject = "alice",
            Scopes = ["a:read", "b:write"],
            ExpiresAt = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Role = kind == "apiKey" ? "owner" : null,
            Stale = kind == "apiKey" ? false : null,
        };
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await new JsonOk<ValidationResponse>(answer, ServerlessAuthJsonContext.Default.ValidationResponse).ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        Assert.Equal(body.Length, context.Response.ContentLength);

        // What TypedResults.Ok wrote before: the host's JSON options, as AddServerlessAuth configures them.
        using var services = new ServiceCollection().AddServerlessAuth(new ConfigurationBuilder().Build()).BuildServiceProvider();
        var hostOptions = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var written = Encoding.UTF8.GetString(body.ToArray());
        Assert.Equal(JsonSerializer.Serialize(answer, hostOptions), written);
        Assert.Equal(kind == "apiKey", written.Contains("\"role\":\"owner\"", StringComparison.Ordinal));
        Assert.DoesNotContain("null", written, StringComparison.Ordinal);
    }
}
