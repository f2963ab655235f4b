using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// A host set up for webhook tests: deliveries to loopback allowed (the host runs in Development), retries after
/// about a second, the queue polled every 100 ms, and its queue worker running.
/// </summary>
public static class WebhookTestHost
{
    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ServerlessAuth:Webhooks:AllowLoopback"] = "true",
            ["ServerlessAuth:Webhooks:RetryBaseDelay"] = "00:00:00.5",
            ["ServerlessAuth:Webhooks:MaxRetryDelay"] = "00:00:01",
            ["ServerlessAuth:Webhooks:PollInterval"] = "00:00:00.1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task<TestApp> StartAsync(FakeTimeProvider time, IDictionary<string, string?>? extra = null)
    {
        var azurite = await AzuriteServer.Shared;
        return new TestApp(azurite.ConnectionString, time, Settings(extra)) { RunsWebhookDelivery = true };
    }

    /// <summary>Creates an endpoint; answers its id and its secret (shown this once).</summary>
    public static async Task<(string Id, string Secret)> CreateEndpointAsync(TestApp app, string tenant, string url, string[]? eventTypes = null, bool enabled = true, HttpClient? client = null)
    {
        var created = await TestApp.SendOkAsync(client ?? app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/webhooks",
            new { url, eventTypes = eventTypes ?? ["*"], enabled });
        return ((string)created["id"]!, (string)created["secret"]!);
    }

    public static async Task<JsonArray> DeliveriesAsync(TestApp app, string tenant, string webhookId) =>
        (await TestApp.SendOkAsync(app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/webhooks/{webhookId}/deliveries?pageSize=100"))["items"]!.AsArray();

    /// <summary>Waits (up to 60 s) until the endpoint's delivery log satisfies <paramref name="done"/>.</summary>
    public static async Task<JsonArray> WaitForDeliveriesAsync(TestApp app, string tenant, string webhookId, Func<JsonArray, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var deliveries = await DeliveriesAsync(app, tenant, webhookId);
            if (done(deliveries))
            {
                return deliveries;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The delivery log did not reach the expected state: {deliveries.ToJsonString()}");
            await Task.Delay(100);
        }
    }
}
