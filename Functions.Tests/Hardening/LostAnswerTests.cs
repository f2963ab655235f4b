using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessAuth.Storage;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.Hardening;

/// <summary>
/// A write that storage applied but whose answer never reached the host (the client's request timeout fired first, as
/// under load, and the SDK sent it again): the retry meets its own result, 409 or 412. The user must get the answer
/// of the write that was made, never "collision" or "changed concurrently" for a key whose secret is then lost.
/// Found by the soak: one issue in 2,384 answered 409 "Key id collision" after a 5 s stall.
/// </summary>
public sealed class LostAnswerTests : IAsyncLifetime
{
    private readonly LoseOneAnswer _loss = new();
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        var connectionString = (await AzuriteServer.Shared).ConnectionString;
        _app = await TestApp.StartAsync(services: services =>
        {
            // The host's own client, plus the loss; the retry settings of the host (2 retries).
            services.RemoveAll<TableServiceClient>();
            services.AddSingleton(_ =>
            {
                var options = new TableClientOptions();
                options.Retry.MaxRetries = 2;
                options.Retry.Delay = TimeSpan.FromMilliseconds(10);
                options.AddPolicy(_loss, HttpPipelinePosition.PerRetry);
                return new TableServiceClient(connectionString, options);
            });
        });
        await _app.CreateTenantAsync(); // first use creates the tables
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task IssueKey_WhoseTransactionAnswerWasLost_Answers201WithAKeyThatWorks()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");

        _loss.Arm(request => request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal));
        var issued = await _app.IssueKeyAsync(tenant, "alice", ["a"]);

        Assert.Equal(1, _loss.Lost);
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync((string)issued["key"]!));
        Assert.Equal([(string)issued["id"]!], await KeyIdsAsync(tenant));
        var log = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/logs?type=key.issued");
        Assert.Single(log["items"]!.AsArray());
    }

    [Fact]
    public async Task RotateKey_WhoseTransactionAnswerWasLost_AnswersWithTheNewKeyNotAConflict()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");
        var old = await _app.IssueKeyAsync(tenant, "alice", ["a"]);

        _loss.Arm(request => request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal));
        var rotated = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenant}/keys/{old["id"]}/rotate", new { overlapSeconds = 3600 });

        Assert.Equal(1, _loss.Lost);
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync((string)rotated["key"]!));
        Assert.Equal(HttpStatusCode.OK, await ValidateAsync((string)old["key"]!)); // in its overlap window
        Assert.Equal(new[] { (string)old["id"]!, (string)rotated["id"]! }.Order(StringComparer.Ordinal), await KeyIdsAsync(tenant));
    }

    [Fact]
    public async Task RegisterApp_WhoseWritesLostTheirAnswers_Answers201WithASecretThatGetsATokenOnce()
    {
        var tenant = (string)(await _app.CreateTenantAsync())["id"]!;
        await _app.PutOperatorAsync(tenant, "alice", "owner", "a");

        // The app id's index row first (a single insert), then, in a second test below, the app's transaction.
        _loss.Arm(request => request.Method == RequestMethod.Post && request.Uri.Path.Contains("AppIndex", StringComparison.Ordinal));
        var first = await AppTestData.RegisterInAsync(_app, tenant, ["a"]);
        Assert.Equal(1, _loss.Lost);

        _loss.Arm(request => request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal));
        var second = await AppTestData.RegisterInAsync(_app, tenant, ["a"]);
        Assert.Equal(2, _loss.Lost);

        Assert.False(string.IsNullOrEmpty(await AppTestData.TokenAsync(_app, first)));
        Assert.False(string.IsNullOrEmpty(await AppTestData.TokenAsync(_app, second)));
        var apps = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/apps");
        Assert.Equal(2, apps["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task CreateTenant_WhoseInsertAnswerWasLost_Answers201()
    {
        _loss.Arm(request => request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("Tenants", StringComparison.Ordinal));
        var id = "t-" + Guid.NewGuid().ToString("N")[..10];
        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, "/api/v1/tenants", new { id, name = "Lost answer", plan = "pro" });

        Assert.Equal(1, _loss.Lost);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(id, (string)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{id}"))["id"]!);
    }

    [Fact]
    public async Task CreateTenant_WithTheIdOfAnotherTenant_StillAnswers409()
    {
        var id = (string)(await _app.CreateTenantAsync(extra: new { name = "The first" }))["id"]!;

        using var response = await TestApp.SendAsync(_app.Admin(), HttpMethod.Post, "/api/v1/tenants", new { id, name = "The second", plan = "pro" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("The first", (string)(await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{id}"))["name"]!);
    }

    private async Task<HttpStatusCode> ValidateAsync(string key)
    {
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/validate");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<string[]> KeyIdsAsync(string tenant)
    {
        var list = await TestApp.SendOkAsync(_app.Admin(), HttpMethod.Get, $"/api/v1/tenants/{tenant}/keys");
        return [.. list["items"]!.AsArray().Select(k => (string)k!["id"]!).Order(StringComparer.Ordinal)];
    }

    /// <summary>Once armed, lets the next matching request reach storage, then throws its answer away as a timeout would.</summary>
    private sealed class LoseOneAnswer : HttpPipelinePolicy
    {
        private Func<Request, bool>? _armed;
        private int _lost;

        public int Lost => Volatile.Read(ref _lost);

        public void Arm(Func<Request, bool> match) => Volatile.Write(ref _armed, match);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The host calls storage asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            var match = Volatile.Read(ref _armed);
            if (match is not null && match(message.Request) && Interlocked.CompareExchange(ref _armed, null, match) == match)
            {
                Interlocked.Increment(ref _lost);
                throw new IOException("The answer was lost (simulated client timeout after storage applied the request).");
            }
        }
    }
}
