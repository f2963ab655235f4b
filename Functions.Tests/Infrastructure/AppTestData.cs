using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>Small builders for app registrations and tokens, and a JWT reader for assertions.</summary>
public static class AppTestData
{
    public sealed record RegisteredApp(string Tenant, string AppId, string Secret, string SecretId);

    /// <summary>A tenant (optionally with extra settings) and one app with <paramref name="scopes"/>, registered by the admin.</summary>
    public static async Task<RegisteredApp> RegisterAsync(TestApp app, string[] scopes, object? tenantSettings = null)
    {
        var tenant = (string)(await app.CreateTenantAsync(extra: tenantSettings))["id"]!;
        return await RegisterInAsync(app, tenant, scopes);
    }

    public static async Task<RegisteredApp> RegisterInAsync(TestApp app, string tenant, string[] scopes, HttpClient? client = null)
    {
        var created = await TestApp.SendOkAsync(client ?? app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/apps",
            new { name = "Reporting sync", description = "Nightly export of reports", scopes });
        return new RegisteredApp(tenant, (string)created["appId"]!, (string)created["appSecret"]!, (string)created["secretId"]!);
    }

    /// <summary>A token by the Kinabase JSON flow.</summary>
    public static async Task<string> TokenAsync(TestApp app, RegisteredApp registered)
    {
        var body = await TestApp.SendOkAsync(app.CreateClient(), HttpMethod.Post, "/api/v1/token", new { appId = registered.AppId, appSecret = registered.Secret });
        return (string)body["token"]!;
    }

    /// <summary>An RFC 6749 form request to <paramref name="path"/>, optionally with HTTP Basic (form-urlencoded id and secret).</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, IEnumerable<KeyValuePair<string, string>> form, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            var pair = $"{Uri.EscapeDataString(credentials.Id)}:{Uri.EscapeDataString(credentials.Secret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
        }

        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> ValidateAsync(TestApp app, string credential, string? scope = null) =>
        await app.ClientWith(credential).PostAsync("/api/v1/validate" + (scope is null ? "" : "?scope=" + Uri.EscapeDataString(scope)), null);

    public static JsonObject Header(string jwt) => Segment(jwt, 0);

    public static JsonObject Payload(string jwt) => Segment(jwt, 1);

    /// <summary>A JWT with its header and payload replaced (the signature kept): what a forger can make.</summary>
    public static string Forge(string jwt, Action<JsonObject>? header = null, Action<JsonObject>? payload = null)
    {
        var parts = jwt.Split('.');
        var h = Header(jwt);
        var p = Payload(jwt);
        header?.Invoke(h);
        payload?.Invoke(p);
        return $"{Encode(h)}.{Encode(p)}.{parts[2]}";
    }

    public static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static JsonObject Segment(string jwt, int index) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[index]))!.AsObject();
}
