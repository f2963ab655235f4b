using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ServerlessAuth.Bench;

/// <summary>
/// Seeds the host through its own API, as a provider's backend would: tenants, one owner operator each, keys; and
/// the benchmark's own tenant with a warm key (high rate limit), an app registration and a JWT. Writes the
/// credentials the wrk scripts replay into <c>outDir</c> (git-ignored).
/// </summary>
internal static class HttpSeeder
{
    private static readonly string[] Permissions = ["contacts:read", "contacts:write"];
    private static readonly string[] KeyScopes = ["contacts:read"];

    public static async Task<int> RunAsync(Uri baseUrl, string adminKey, string outDir, int tenants, int keysPerTenant)
    {
        Directory.CreateDirectory(outDir);
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        var started = DateTimeOffset.UtcNow;

        var tenantIds = Enumerable.Range(1, tenants).Select(i => "bench-t" + i.ToString("D5", CultureInfo.InvariantCulture)).ToList();
        var keys = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(tenantIds, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (tenant, ct) =>
        {
            await SendAsync(http, HttpMethod.Post, "/api/v1/tenants", new { id = tenant, name = "Tenant " + tenant, plan = "pro" }, ct);
            await SendAsync(http, HttpMethod.Put, $"/api/v1/tenants/{tenant}/operators/owner", new { displayName = "Owner", role = "owner", permissions = Permissions }, ct);
            for (var k = 0; k < keysPerTenant; k++)
            {
                var key = await SendAsync(http, HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys", new { operatorId = "owner", name = "key " + k, scopes = KeyScopes }, ct);
                keys.Add((string)key["key"]!);
            }
        });

        // The benchmark's tenant: the highest rate limit the admin may grant, so that the rate limiter never caps the
        // warm-key scenario. Scenario 6 gets a key of its own: on the warm key, whose hourly budget scenario 1 has
        // mostly spent, the limiter's claims (a tenth of what is left) shrink and multiply, and would be counted as
        // usage writes.
        const string Main = "bench-main";
        await SendAsync(http, HttpMethod.Post, "/api/v1/tenants", new { id = Main, name = "Benchmark", plan = "pro", rateLimitPerHour = 1_000_000 }, default);
        await SendAsync(http, HttpMethod.Put, $"/api/v1/tenants/{Main}/operators/owner", new { displayName = "Owner", role = "owner", permissions = Permissions }, default);
        var warm = (string)(await SendAsync(http, HttpMethod.Post, $"/api/v1/tenants/{Main}/keys", new { operatorId = "owner", name = "warm", scopes = KeyScopes, rateLimitPerHour = 1_000_000 }, default))["key"]!;
        var usage = (string)(await SendAsync(http, HttpMethod.Post, $"/api/v1/tenants/{Main}/keys", new { operatorId = "owner", name = "usage", scopes = KeyScopes, rateLimitPerHour = 1_000_000 }, default))["key"]!;
        var app = await SendAsync(http, HttpMethod.Post, $"/api/v1/tenants/{Main}/apps", new { name = "Reporting sync", description = "Benchmark app", scopes = KeyScopes }, default);
        var appId = (string)app["appId"]!;
        var appSecret = (string)app["appSecret"]!;
        using var anonymous = new HttpClient { BaseAddress = baseUrl };
        var token = await SendAsync(anonymous, HttpMethod.Post, "/api/v1/token", new { appId, appSecret }, default);

        // A key and an app for run.sh's JIT warm-up rounds only, so that the measured scenarios start on full budgets.
        var warmupKey = (string)(await SendAsync(http, HttpMethod.Post, $"/api/v1/tenants/{Main}/keys", new { operatorId = "owner", name = "warm-up", scopes = KeyScopes, rateLimitPerHour = 1_000_000 }, default))["key"]!;
        var warmupApp = await SendAsync(http, HttpMethod.Post, $"/api/v1/tenants/{Main}/apps", new { name = "Warm-up", description = "Benchmark warm-up app", scopes = KeyScopes }, default);
        var warmupBody = new JsonObject { ["appId"] = (string)warmupApp["appId"]!, ["appSecret"] = (string)warmupApp["appSecret"]! };
        var warmupToken = await SendAsync(anonymous, HttpMethod.Post, "/api/v1/token", new { appId = (string)warmupApp["appId"]!, appSecret = (string)warmupApp["appSecret"]! }, default);

        // Same shape, last checksum character changed: refused by the checksum before any storage access.
        var last = warm[^1] == 'A' ? 'B' : 'A';
        var bad = warm[..^1] + last;

        var shuffled = keys.OrderBy(_ => Random.Shared.Next()).ToList();
        await File.WriteAllLinesAsync(Path.Combine(outDir, "keys.txt"), shuffled);
        await File.WriteAllLinesAsync(Path.Combine(outDir, "tenants.txt"), tenantIds);
        await File.WriteAllTextAsync(Path.Combine(outDir, "warm-key.txt"), warm);
        await File.WriteAllTextAsync(Path.Combine(outDir, "usage-key.txt"), usage);
        await File.WriteAllTextAsync(Path.Combine(outDir, "bad-key.txt"), bad);
        await File.WriteAllTextAsync(Path.Combine(outDir, "jwt.txt"), (string)token["token"]!);
        await File.WriteAllTextAsync(Path.Combine(outDir, "token-body.json"), new JsonObject { ["appId"] = appId, ["appSecret"] = appSecret }.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(outDir, "warmup-key.txt"), warmupKey);
        await File.WriteAllTextAsync(Path.Combine(outDir, "warmup-jwt.txt"), (string)warmupToken["token"]!);
        await File.WriteAllTextAsync(Path.Combine(outDir, "warmup-token-body.json"), warmupBody.ToJsonString());

        Console.WriteLine(FormattableString.Invariant(
            $"seeded {tenants} tenants x 1 operator x {keysPerTenant} keys = {keys.Count} keys, plus tenant {Main} (1 warm key, 1 app) in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s"));
        return 0;
    }

    private static async Task<JsonObject> SendAsync(HttpClient http, HttpMethod method, string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }
}
