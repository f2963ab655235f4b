using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using ServerlessAuth.Webhooks;

namespace ServerlessAuth.Storage;

/// <summary>
/// The webhook delivery queue (Azure Storage queue <see cref="Name"/>, after the table prefix, lower-cased): one message
/// per event and endpoint. Messages are base64-encoded, as the Functions queue trigger expects. Created on first use.
/// </summary>
internal sealed class WebhookQueue(QueueServiceClient service, IOptions<ServerlessAuthOptions> options)
{
    /// <summary>The queue's name; the Functions app's queue trigger listens on it.</summary>
    public const string Name = "serverlessauth-webhooks";

    /// <summary>How long a received message stays invisible to other receivers while it is being delivered.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private readonly QueueClient _queue = service.GetQueueClient(options.Value.Storage.TablePrefix.ToLowerInvariant() + Name);
    private Task? _created;

    public async Task SendAsync(WebhookMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        var text = JsonSerializer.Serialize(message, WebhookJsonContext.Default.WebhookMessage);

        // The queue counts the delay in whole seconds; a fraction is rounded up, never down, so no retry comes early.
        await _queue.SendMessageAsync(text, TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds)), timeToLive: TimeSpan.FromDays(7), cancellationToken);
    }

    public async Task<QueueMessage[]> ReceiveAsync(int max, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        return (await _queue.ReceiveMessagesAsync(max, Lease, cancellationToken)).Value;
    }

    public Task DeleteAsync(QueueMessage message, CancellationToken cancellationToken) =>
        _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);

    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var created = _created;
        if (created is { IsCompletedSuccessfully: true })
        {
            return;
        }

        if (created is null or { IsFaulted: true } or { IsCanceled: true })
        {
            created = _created = _queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        }

        await created.WaitAsync(cancellationToken);
    }
}
