using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace ServerlessAuth.Tests.Webhooks;

/// <summary>One request a <see cref="WebhookReceiver"/> got.</summary>
public sealed record ReceivedWebhook(string Path, string Id, string Timestamp, string Signature, string Body, int AnsweredWith, DateTimeOffset ReceivedAt)
{
    public JsonObject Payload => JsonNode.Parse(Body)!.AsObject();

    public string Type => (string)Payload["type"]!;

    public JsonObject Data => Payload["data"]!.AsObject();

    /// <summary>
    /// Whether a receiver holding <paramref name="secret"/> accepts this request, checked with the StandardWebhooks
    /// package: each <c>v1,</c> value of the header is compared with the package's own signature of the request
    /// (<see cref="StandardWebhook.Sign"/>), and the timestamp must lie within 5 minutes of <see cref="ReceivedAt"/> on
    /// the receiver's clock (the sending host's clock: a fake one in most tests, which the package's own check cannot be
    /// given).
    /// </summary>
    public bool IsSignedWith(string secret)
    {
        var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(Timestamp, System.Globalization.CultureInfo.InvariantCulture));
        if ((sent - ReceivedAt).Duration() > TimeSpan.FromMinutes(5))
        {
            return false;
        }

        var expected = new StandardWebhook(secret).Sign(Id, sent, Body);
        return Signature.Split(' ').Contains(expected, StringComparer.Ordinal);
    }
}

/// <summary>
/// A real HTTP receiver for webhooks: Kestrel on a free loopback port, recording every request and answering each with
/// the status <see cref="Answer"/> chooses (200 by default). <see cref="StopAsync"/> takes it down (connections are
/// refused) and <see cref="StartAsync"/> brings it back on the same port.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private WebApplication? _app;

    private WebhookReceiver(int port, TimeProvider clock)
    {
        Port = port;
        Clock = clock;
    }

    public int Port { get; }

    /// <summary>The clock receipts are stamped with: the sending host's.</summary>
    public TimeProvider Clock { get; }

    /// <summary>The status to answer a request with; given the request and how many times its <c>webhook-id</c> came before.</summary>
    public Func<ReceivedWebhook, int, int> Answer { get; set; } = (_, _) => 200;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>The URL of <paramref name="path"/> on this receiver.</summary>
    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public static async Task<WebhookReceiver> StartNewAsync(TimeProvider? clock = null)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var receiver = new WebhookReceiver(port, clock ?? TimeProvider.System);
        await receiver.StartAsync();
        return receiver;
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers;
            var request = new ReceivedWebhook(
                context.Request.Path, headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(), body, 0, Clock.GetUtcNow());
            var seen = _received.Count(r => r.Id == request.Id);
            var status = Answer(request, seen);
            _received.Enqueue(request with { AnsweredWith = status });
            context.Response.StatusCode = status;
            if (status is >= 300 and < 400)
            {
                context.Response.Headers.Location = Url("/redirected");
            }
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Waits (up to <paramref name="timeout"/>, 60 s by default) until <paramref name="done"/> holds for what was received.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitUntilAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!done(Received))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The receiver did not get what was expected in time; it got {Received.Count} requests: {string.Join(", ", Received.Select(r => r.Type))}");
            }

            await Task.Delay(100);
        }

        return Received;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
