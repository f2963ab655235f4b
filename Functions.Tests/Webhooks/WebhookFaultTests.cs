using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Http;
using ServerlessAuth.Tests.Infrastructure;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>
/// A change whose transaction fails on a storage fault (injected into the host's own Table client) answers 503 and
/// emits no event; the same change made once storage is back emits it once.
/// </summary>
public sealed class WebhookFaultTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FailTransactions _fault = new();
    private TestApp _app = null!;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _app = CreateApp((await AzuriteServer.Shared).ConnectionString, _time, _fault);
        _receiver = await WebhookReceiver.StartNewAsync(_time);
    }

    /// <summary>The webhook host with <paramref name="fault"/> in its own Table client's pipeline (the host's retry settings).</summary>
    private static TestApp CreateApp(string connectionString, FakeTimeProvider time, FailTransactions fault) =>
        new(connectionString, time, WebhookTestHost.Settings(), services =>
        {
            services.RemoveAll<TableServiceClient>();
            services.AddSingleton(_ =>
            {
                var options = new TableClientOptions();
                options.Retry.MaxRetries = 2;
                options.Retry.Delay = TimeSpan.FromMilliseconds(10);
                options.AddPolicy(fault, HttpPipelinePosition.PerRetry);
                return new TableServiceClient(connectionString, options);
            });
        })
        { RunsWebhookDelivery = true };

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task RevocationWhoseTransactionFails_Answers503AndEmitsNothing()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        await WebhookTestHost.CreateEndpointAsync(_app, tenant, _receiver.Url("/fault"), ["key.revoked"]);
        var keyId = (string)(await _app.IssueKeyAsync(tenant, "alice", ["a"]))["id"]!;

        _fault.Armed = true;
        using (var failed = await TestApp.SendAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}"))
        {
            await Problem.AssertAsync(failed, HttpStatusCode.ServiceUnavailable, ProblemCodes.Unavailable);
        }

        _fault.Armed = false;
        Assert.True(_fault.Failed > 0);
        await _app.Get<WebhookDispatcher>().SweepAsync(CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(_receiver.Received);
        Assert.Equal("active", (string?)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys/{keyId}"))["status"]);

        // Storage back: the same revocation emits its event, once.
        await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Delete, $"/api/v1/tenants/{tenant}/keys/{keyId}");
        var received = await _receiver.WaitUntilAsync(got => got.Count == 1);
        Assert.Equal(("key.revoked", keyId), (received[0].Type, (string?)received[0].Data["credentialId"]));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Single(_receiver.Received);
    }

    /// <summary>Fails every entity-group transaction while armed, as an unreachable storage account would.</summary>
    private sealed class FailTransactions : HttpPipelinePolicy
    {
        private int _failed;

        public volatile bool Armed;

        public int Failed => Volatile.Read(ref _failed);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Fail(HttpMessage message)
        {
            if (Armed && message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _failed);
                throw new IOException("injected: storage unreachable");
            }
        }
    }
}
