using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Security;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// Every webhook event type, caused through the API and the lifecycle job as a provider would, reaches a real receiver
/// (Kestrel on loopback) exactly once per change, signed so that the StandardWebhooks package accepts it, and carrying
/// ids, hints, times and actors but no secret or digest.
/// </summary>
public sealed class WebhookEventTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestApp _app = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _app = await WebhookTestHost.StartAsync(_time);
        _receiver = await WebhookReceiver.StartNewAsync(_time);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<JsonObject> RunLifecycleAsync() => await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, "/api/v1/admin/lifecycle/run");

    [Fact]
    public async Task EveryEventType_ReachesTheSubscribedEndpointOncePerChange()
    {
        var now = _time.GetUtcNow();
        var secrets = new List<string>();

        // Tenant m: issue, revoke, rotate, expiring soon, expiry, app secret expiring soon, app revoked, operator removed.
        var m = (string)(await _app.CreateTenantAsync(extra: new { staleAfterDays = 30, expiringSoonDays = 1 }))["id"]!;
        var (hookM, secretM) = await WebhookTestHost.CreateEndpointAsync(_app, m, _receiver.Url("/m"));
        await _app.PutOperatorAsync(m, "bob", "owner", "a");
        await _app.PutOperatorAsync(m, "carol", "member", "a");
        var p = await _app.IssueKeyAsync(m, "bob", ["a"], now.AddDays(2));
        var q = await _app.IssueKeyAsync(m, "bob", ["a"]);
        var r = await _app.IssueKeyAsync(m, "bob", ["a"]);
        var s = await _app.IssueKeyAsync(m, "carol", ["a"]);
        secrets.AddRange(new[] { p, q, r, s }.Select(k => (string)k["key"]!));
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{m}/keys/{q["id"]}");
        var rotated = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{m}/keys/{r["id"]}/rotate", new { overlapSeconds = 3600 });
        secrets.Add((string)rotated["key"]!);
        using (var removed = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{m}/operators/carol"))
        {
            Assert.True(removed.IsSuccessStatusCode);
        }

        var app = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{m}/apps",
            new { name = "Sync", description = "Nightly sync", scopes = new[] { "a" }, secretExpiresAt = now.AddDays(1.5) });
        secrets.Add((string)app["appSecret"]!);

        // Tenant l: a key left unused past staleAfterDays, flagged and revoked by policy.
        var l = (string)(await _app.CreateTenantAsync(extra: new { staleAfterDays = 1, autoRevokeStale = true }))["id"]!;
        var (hookL, secretL) = await WebhookTestHost.CreateEndpointAsync(_app, l, _receiver.Url("/l"));
        await _app.PutOperatorAsync(l, "dave", "owner", "a");
        var t = await _app.IssueKeyAsync(l, "dave", ["a"]);
        secrets.Add((string)t["key"]!);

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await RunLifecycleAsync();
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{m}/apps/{app["appId"]}");
        await _receiver.WaitUntilAsync(got => got.Count(w => w.Type == "key.autoRevoked") == 1 && got.Any(w => w.Type == "app.revoked"));

        _time.Advance(TimeSpan.FromDays(1));
        await RunLifecycleAsync();

        string Id(JsonObject key) => (string)key["id"]!;
        var expectedM = new[]
        {
            ("key.issued", Id(p)), ("key.issued", Id(q)), ("key.issued", Id(r)), ("key.issued", Id(s)),
            ("key.revoked", Id(q)), ("key.rotated", Id(r)), ("key.revoked", Id(s)), ("operator.removed", "carol"),
            ("app.secretExpiringSoon", (string)app["appId"]!), ("app.revoked", (string)app["appId"]!),
            ("key.expired", Id(r)), ("key.expiringSoon", Id(p)), ("key.expired", Id(p)),
        };
        var expectedL = new[] { ("key.issued", Id(t)), ("key.stale", Id(t)), ("key.autoRevoked", Id(t)) };
        await _receiver.WaitUntilAsync(got => got.Count == expectedM.Length + expectedL.Length);

        // A sweep and a second's more polling must bring nothing more: once per change.
        await _app.Get<ServerlessAuth.Webhooks.WebhookDispatcher>().SweepAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var received = _receiver.Received;
        Assert.Equal(expectedM.Order(), received.Where(w => w.Path == "/m").Select(Subject).Order());
        Assert.Equal(expectedL.Order(), received.Where(w => w.Path == "/l").Select(Subject).Order());
        Assert.Equal(received.Count, received.Select(w => w.Id).Distinct().Count());

        Assert.All(received, w =>
        {
            Assert.Equal(200, w.AnsweredWith);
            Assert.True(w.IsSignedWith(w.Path == "/m" ? secretM : secretL), $"{w.Type} is not signed with its endpoint's secret");
            Assert.False(w.IsSignedWith(w.Path == "/m" ? secretL : secretM));
            Assert.Equal(w.Id, (string?)w.Data["eventId"]);
            Assert.Equal(w.Path == "/m" ? m : l, (string?)w.Data["tenantId"]);
            Assert.NotNull((string?)w.Data["actor"]);
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, w.Body, StringComparison.Ordinal);
                Assert.DoesNotContain(SecretDigest.Compute(secret), w.Body, StringComparison.Ordinal);
            }
        });

        var removedEvent = Assert.Single(received, w => w.Type == "operator.removed");
        Assert.Equal([Id(s)], removedEvent.Data["revokedKeyIds"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("admin", (string?)removedEvent.Data["actor"]);
        var rotatedEvent = Assert.Single(received, w => w.Type == "key.rotated");
        Assert.Equal((string)rotated["id"]!, (string?)rotatedEvent.Data["relatedCredentialId"]);
        Assert.Equal((string)r["hint"]!, (string?)rotatedEvent.Data["hint"]);
        Assert.Equal("lifecycle", (string?)Assert.Single(received, w => w.Type == "key.autoRevoked").Data["actor"]);

        // Every delivery is in its endpoint's log, delivered at the first attempt.
        var log = await WebhookTestHost.DeliveriesAsync(_app, m, hookM);
        Assert.Equal(expectedM.Length, log.Count);
        Assert.All(log, d =>
        {
            Assert.Equal("delivered", (string?)d!["status"]);
            Assert.Equal(1, (int)d["attempts"]!);
            Assert.Equal(200, (int)d["lastResponseCode"]!);
        });
        Assert.Equal(expectedL.Length, (await WebhookTestHost.DeliveriesAsync(_app, l, hookL)).Count);
    }

    private static (string, string) Subject(ReceivedWebhook w) =>
        (w.Type, (string?)w.Data["credentialId"] ?? (string)w.Data["operatorId"]!);
}
