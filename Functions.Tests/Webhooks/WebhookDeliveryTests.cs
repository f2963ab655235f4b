using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Audit;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// Delivery as a receiver lives it: at least once through downtime and errors, exactly once more after a 500, nothing
/// to a disabled endpoint, 410 and a long run of failures disabling the endpoint with the reason, the retry window
/// ending in "failed", no redirect followed, and no event for a change whose transaction failed.
/// </summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestApp _app = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _app = await WebhookTestHost.StartAsync(_time, new Dictionary<string, string?>
        {
            ["ServerlessAuth:Webhooks:DisableAfter"] = "00:10:00",
            ["ServerlessAuth:Webhooks:RetryFor"] = "01:00:00",
        });
        _receiver = await WebhookReceiver.StartNewAsync(_time);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<(string Tenant, string Hook, string Secret)> TenantWithEndpointAsync(string path, string[]? types = null)
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var (hook, secret) = await WebhookTestHost.CreateEndpointAsync(_app, tenant, _receiver.Url(path), types ?? ["key.issued", "key.revoked"]);
        return (tenant, hook, secret);
    }

    private async Task<string[]> IssueKeysAsync(string tenant, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["id"]!;
        }

        return ids;
    }

    [Fact]
    public async Task ReceiverDownForAWhile_GetsEveryEventOnceItIsBack()
    {
        var (tenant, hook, secret) = await TenantWithEndpointAsync("/down");
        await _receiver.StopAsync();
        var keys = await IssueKeysAsync(tenant, 5);

        // Every delivery failed at least once and waits for its retry.
        var log = await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 5 && d.All(x => (int)x!["attempts"]! >= 2));
        Assert.All(log, d =>
        {
            Assert.Equal("retrying", (string?)d!["status"]);
            Assert.Equal("connection failed", (string?)d["lastError"]);
            Assert.NotNull(d["nextAttemptAt"]);
        });

        await _receiver.StartAsync();
        var received = await _receiver.WaitUntilAsync(got => got.Count(w => w.Path == "/down") >= 5);
        await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.All(x => (string?)x!["status"] == "delivered"));
        Assert.Equal(keys.Order(), received.Where(w => w.Path == "/down").Select(w => (string)w.Data["credentialId"]!).Order());
        Assert.All(received, w => Assert.True(w.IsSignedWith(secret)));
    }

    [Fact]
    public async Task ReceiverAnswering500ThenOk_GetsEachEventExactlyOnceMore()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/flaky");
        _receiver.Answer = (w, seen) => w.Path == "/flaky" && seen == 0 ? 500 : 200;
        var keys = await IssueKeysAsync(tenant, 4);

        await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 4 && d.All(x => (string?)x!["status"] == "delivered"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var received = _receiver.Received.Where(w => w.Path == "/flaky").ToList();
        Assert.Equal(8, received.Count);
        Assert.All(received.GroupBy(w => w.Id), g =>
        {
            Assert.Equal([500, 200], g.Select(w => w.AnsweredWith));
            Assert.Single(g.Select(w => w.Body).Distinct());
        });
        Assert.Equal(keys.Order(), received.Where(w => w.AnsweredWith == 200).Select(w => (string)w.Data["credentialId"]!).Order());
        Assert.All(await WebhookTestHost.DeliveriesAsync(_app, tenant, hook), d =>
        {
            Assert.Equal(2, (int)d!["attempts"]!);
            Assert.Equal(200, (int)d["lastResponseCode"]!);
        });
    }

    [Fact]
    public async Task DisabledEndpoint_GetsNothingWhileTheOtherEndpointGetsEverything()
    {
        var (tenant, _, _) = await TenantWithEndpointAsync("/enabled");
        var (off, _) = await WebhookTestHost.CreateEndpointAsync(_app, tenant, _receiver.Url("/created-disabled"), enabled: false);
        var (later, _) = await WebhookTestHost.CreateEndpointAsync(_app, tenant, _receiver.Url("/disabled-later"));
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{tenant}/webhooks/{later}", new { enabled = false });

        var keys = await IssueKeysAsync(tenant, 3);
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keys[0]}");
        await _receiver.WaitUntilAsync(got => got.Count(w => w.Path == "/enabled") == 4);
        await _app.Get<WebhookDispatcher>().SweepAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.DoesNotContain(_receiver.Received, w => w.Path != "/enabled");
        Assert.Empty(await WebhookTestHost.DeliveriesAsync(_app, tenant, off));
        Assert.Empty(await WebhookTestHost.DeliveriesAsync(_app, tenant, later));
    }

    [Fact]
    public async Task EndpointDisabledWhileADeliveryWaits_GetsNothingAndTheDeliveryIsCanceled()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/paused");
        _receiver.Answer = (w, _) => w.Path == "/paused" ? 503 : 200;
        await IssueKeysAsync(tenant, 1);
        await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 1 && (string?)d[0]!["status"] == "retrying");

        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{tenant}/webhooks/{hook}", new { enabled = false });
        var sentBefore = _receiver.Received.Count(w => w.Path == "/paused");
        await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => (string?)d[0]!["status"] == "canceled");
        Assert.Equal(sentBefore, _receiver.Received.Count(w => w.Path == "/paused"));
    }

    [Fact]
    public async Task ReceiverAnswering410_DisablesTheEndpointWithTheReason()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/gone");
        _receiver.Answer = (w, _) => w.Path == "/gone" ? 410 : 200;
        await IssueKeysAsync(tenant, 1);

        var log = await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 1 && (string?)d[0]!["status"] == "failed");
        Assert.Equal(1, (int)log[0]!["attempts"]!);
        var endpoint = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/webhooks/{hook}");
        Assert.False((bool)endpoint["enabled"]!);
        Assert.Contains("410", (string?)endpoint["disabledReason"], StringComparison.Ordinal);

        // Nothing more reaches it; enabling it again (after fixing the receiver) clears the reason.
        await IssueKeysAsync(tenant, 1);
        await _app.Get<WebhookDispatcher>().SweepAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Single(_receiver.Received, w => w.Path == "/gone");
        var enabled = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Patch, $"/api/v1/tenants/{tenant}/webhooks/{hook}", new { enabled = true });
        Assert.True((bool)enabled["enabled"]!);
        Assert.Null(enabled["disabledReason"]);
    }

    [Fact]
    public async Task EndpointFailingForDisableAfter_IsDisabledWithTheReasonAndItsQueuedRetryCanceled()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/broken");
        _receiver.Answer = (w, _) => w.Path == "/broken" ? 500 : 200;
        await IssueKeysAsync(tenant, 1);
        await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 1 && (int)d[0]!["attempts"]! >= 1);
        var failing = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/webhooks/{hook}");
        Assert.True((bool)failing["enabled"]!);
        Assert.NotNull(failing["failingSince"]);

        // Ten minutes (DisableAfter) of failures: the next failed attempt disables it and says why; the retry it had
        // queued finds it disabled and is canceled.
        _time.Advance(TimeSpan.FromMinutes(10));
        var log = await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => (string?)d[0]!["status"] == "canceled");
        Assert.Equal("endpoint disabled", (string?)log[0]!["lastError"]);
        var disabled = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/webhooks/{hook}");
        Assert.False((bool)disabled["enabled"]!);
        Assert.Contains("every attempt failed since", (string?)disabled["disabledReason"], StringComparison.Ordinal);
        Assert.Contains("HTTP 500", (string?)disabled["disabledReason"], StringComparison.Ordinal);
        var attempts = _receiver.Received.Count(w => w.Path == "/broken");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(attempts, _receiver.Received.Count(w => w.Path == "/broken"));
    }

    [Fact]
    public async Task DeliveryFailingPastTheRetryWindow_IsFailedAndRetriedNoMore()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/late");
        _receiver.Answer = (w, _) => w.Path == "/late" ? 502 : 200;
        await IssueKeysAsync(tenant, 1);
        await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 1 && (int)d[0]!["attempts"]! >= 1);

        // RetryFor is an hour here: the next failure finds the window passed.
        _time.Advance(TimeSpan.FromHours(1));
        var log = await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => (string?)d[0]!["status"] == "failed");
        var attempts = (int)log[0]!["attempts"]!;
        Assert.Equal(502, (int)log[0]!["lastResponseCode"]!);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(attempts, _receiver.Received.Count(w => w.Path == "/late"));
    }

    [Fact]
    public async Task RedirectingReceiver_IsNotFollowed()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/moved");
        _receiver.Answer = (w, _) => w.Path == "/moved" ? 307 : 200;
        await IssueKeysAsync(tenant, 1);

        var log = await WebhookTestHost.WaitForDeliveriesAsync(_app, tenant, hook, d => d.Count == 1 && (int)d[0]!["attempts"]! >= 2);
        Assert.Equal(307, (int)log[0]!["lastResponseCode"]!);
        Assert.DoesNotContain(_receiver.Received, w => w.Path == "/redirected");
    }

    [Fact]
    public async Task ChangeWhoseTransactionFails_EmitsNothing()
    {
        var (tenant, hook, _) = await TenantWithEndpointAsync("/atomic");
        var keyId = (await IssueKeysAsync(tenant, 1))[0];
        await _receiver.WaitUntilAsync(got => got.Any(w => w.Path == "/atomic"));

        // A revocation prepared from a copy of the key that another write has changed since: its transaction (key rows,
        // audit event and outbox row) is refused whole.
        var store = _app.Get<ApiKeyStore>();
        Assert.True(TenantId.TryParse(tenant, out var tenantId));
        Assert.True(ServerlessAuth.ApiKeys.ApiKeyId.TryParse(keyId, out var id));
        var stale = (await store.GetAsync(tenantId, id, CancellationToken.None))!;
        await store.RecordUseAsync(tenantId, id, stale.SecretDigest, _time.GetUtcNow(), [], CancellationToken.None);
        var outcome = await store.ReplaceAsync(
            stale with { Status = ServerlessAuth.ApiKeys.ApiKeyStatus.Revoked, RevokedAt = _time.GetUtcNow(), RevokedBy = "admin" },
            new AuditEvent { TenantId = tenantId, At = _time.GetUtcNow(), Type = AuditEventTypes.KeyRevoked, Actor = "admin", CredentialId = keyId },
            CancellationToken.None);
        Assert.Equal(WriteOutcome.Conflict, outcome);

        Assert.Equal(0, await _app.Get<WebhookDispatcher>().DispatchAsync(tenantId, CancellationToken.None));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Single(_receiver.Received, w => w.Path == "/atomic");
        Assert.Single(await WebhookTestHost.DeliveriesAsync(_app, tenant, hook));
        var revokedEvents = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=key.revoked");
        Assert.Empty(revokedEvents["items"]!.AsArray());
        Assert.Equal("active", (string?)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{keyId}"))["status"]);
    }
}
