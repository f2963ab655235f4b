using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Webhooks;
using StandardWebhooks;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// Signing as a receiver checks it with the StandardWebhooks package (its full <c>Verify</c>, clock included), the test
/// route, secret rotation with an overlap (both signatures, the newest first, then the new one alone) and redelivery
/// from the delivery log (same <c>webhook-id</c>).
/// </summary>
public sealed class WebhookSigningTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestApp _app = null!;
    private WebhookReceiver _receiver = null!;
    private string _tenant = null!;

    public async Task InitializeAsync()
    {
        _app = await WebhookTestHost.StartAsync(_time);
        _receiver = await WebhookReceiver.StartNewAsync(_time);
        _tenant = (string)(await _app.CreateTenantAsync())["id"]!;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private string Hook(string id) => $"/api/v1/tenants/{_tenant}/webhooks/{id}";

    private async Task<ReceivedWebhook> SendTestAsync(string id, string path)
    {
        var queued = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, Hook(id) + "/test");
        Assert.Equal("webhook.test", (string?)queued["eventType"]);
        var deliveryId = (string)queued["deliveryId"]!;
        var received = await _receiver.WaitUntilAsync(got => got.Any(w => w.Path == path && w.Id == deliveryId));
        return received.Last(w => w.Id == deliveryId);
    }

    private static HeaderDictionary Headers(ReceivedWebhook w, string signature) => new()
    {
        ["webhook-id"] = w.Id,
        ["webhook-timestamp"] = w.Timestamp,
        ["webhook-signature"] = signature,
    };

    [Fact]
    public async Task TestRoute_SendsAnEventThatStandardWebhooksVerifyAccepts()
    {
        var (id, secret) = await WebhookTestHost.CreateEndpointAsync(_app, _tenant, _receiver.Url("/verify"), ["key.revoked"]);

        var w = await SendTestAsync(id, "/verify");

        // The package's own Verify, with its own clock (the host's clock here is the real time, not advanced).
        new StandardWebhook(secret).Verify(w.Body, Headers(w, w.Signature));
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => new StandardWebhook(WebhookSignature.NewSecret()).Verify(w.Body, Headers(w, w.Signature)));
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => new StandardWebhook(secret).Verify(w.Body.Replace("webhook.test", "key.revoked", StringComparison.Ordinal), Headers(w, w.Signature)));
        Assert.Equal("webhook.test", w.Type);
        Assert.Equal(id, (string?)w.Data["webhookId"]);
        Assert.Equal("admin", (string?)w.Data["actor"]);
        Assert.Matches("^msg_[0-9A-Za-z]{23}$", w.Id);
        Assert.Equal("delivered", (string?)Assert.Single(await WebhookTestHost.DeliveriesAsync(_app, _tenant, id))!["status"]);
    }

    [Fact]
    public async Task RotateSecret_SignsWithBothSecretsDuringTheOverlapThenWithTheNewOneOnly()
    {
        var (id, previous) = await WebhookTestHost.CreateEndpointAsync(_app, _tenant, _receiver.Url("/rotate"));
        var rotated = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, Hook(id) + "/rotate-secret", new { overlapSeconds = 3600 });
        var current = (string)rotated["secret"]!;
        Assert.NotEqual(previous, current);
        Assert.Equal(_time.GetUtcNow().AddHours(1), (DateTimeOffset)rotated["previousSecretExpiresAt"]!);

        var during = await SendTestAsync(id, "/rotate");
        var signatures = during.Signature.Split(' ');
        Assert.Equal(2, signatures.Length);
        Assert.True(during.IsSignedWith(current));
        Assert.True(during.IsSignedWith(previous));

        // The newest first: StandardWebhooks 1.1.2's Verify checks only the first value (see the README).
        new StandardWebhook(current).Verify(during.Body, Headers(during, during.Signature));
        new StandardWebhook(previous).Verify(during.Body, Headers(during, signatures[1]));

        _time.Advance(TimeSpan.FromHours(1));
        var after = await SendTestAsync(id, "/rotate");
        Assert.Single(after.Signature.Split(' '));
        Assert.True(after.IsSignedWith(current));
        Assert.False(after.IsSignedWith(previous));
        Assert.Null((await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, Hook(id)))["secret"]);
    }

    [Fact]
    public async Task Redeliver_SendsTheSameEventAgainWithItsId()
    {
        var (id, secret) = await WebhookTestHost.CreateEndpointAsync(_app, _tenant, _receiver.Url("/again"));
        var first = await SendTestAsync(id, "/again");

        using var redeliver = await _app.Admin().PostAsync(Hook(id) + $"/deliveries/{first.Id}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        var received = await _receiver.WaitUntilAsync(got => got.Count(w => w.Id == first.Id) == 2);

        var again = received.Last(w => w.Id == first.Id);
        Assert.Equal(first.Body, again.Body);
        Assert.True(again.IsSignedWith(secret));
        var log = await WebhookTestHost.WaitForDeliveriesAsync(_app, _tenant, id, d => (int)d[0]!["attempts"]! == 2);
        Assert.Equal("delivered", (string?)Assert.Single(log)!["status"]);

        using var unknown = await _app.Admin().PostAsync(Hook(id) + "/deliveries/msg_00000000000AAAAAAAAAAAA/redeliver", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public void AllowLoopback_IsRefusedAtStartOutsideDevelopment()
    {
        var production = Substitute.For<IHostEnvironment>();
        production.EnvironmentName.Returns(Environments.Production);
        var options = new ServerlessAuthOptions
        {
            Storage = { ConnectionString = "UseDevelopmentStorage=true" },
            AdminKey = TestApp.AdminKey,
            Webhooks = { AllowLoopback = true },
        };

        var failures = new ServerlessAuthOptionsValidator(production).Validate(null, options).Failures;
        Assert.Contains("ServerlessAuth:Webhooks:AllowLoopback is allowed in the Development environment only.", failures!);
        var development = Substitute.For<IHostEnvironment>();
        development.EnvironmentName.Returns(Environments.Development);
        Assert.True(new ServerlessAuthOptionsValidator(development).Validate(null, options).Succeeded);
    }
}
