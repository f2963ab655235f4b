using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// Delivers one queue message: looks up the endpoint (cached for <c>Cache:DirectoryTtl</c>, so a change or a disable
/// takes effect at the next attempt on this instance, within the TTL on others), signs
/// the body with each live secret, sends it, records the attempt in the endpoint's delivery log and either finishes
/// (2xx, 410, or the retry window passed) or queues the next attempt with the backoff delay. Called by the Functions
/// queue trigger and by the standalone host's queue worker.
/// </summary>
/// <remarks>
/// A delivery failure is a value, not an exception: the message is done either way. Only a storage fault escapes, and
/// then the queue delivers the message again (at least once). The endpoint's health is written only when it changes
/// (the first failure after a success, the first success after failures), not on every attempt.
/// </remarks>
public sealed class WebhookDeliverer
{
    private readonly WebhookStore store;
    private readonly WebhookQueue queue;
    private readonly WebhookSender sender;
    private readonly WebhookSecretProtector protector;
    private readonly WebhookAddressPolicy policy;
    private readonly WebhookOutbox outbox;
    private readonly TimeProvider time;
    private readonly ILogger<WebhookDeliverer> logger;
    private readonly WebhookOptions _options;

    internal WebhookDeliverer(
        WebhookStore store,
        WebhookQueue queue,
        WebhookSender sender,
        WebhookSecretProtector protector,
        WebhookAddressPolicy policy,
        WebhookOutbox outbox,
        TimeProvider time,
        IOptions<ServerlessAuthOptions> options,
        ILogger<WebhookDeliverer> logger)
    {
        this.store = store;
        this.queue = queue;
        this.sender = sender;
        this.protector = protector;
        this.policy = policy;
        this.outbox = outbox;
        this.time = time;
        this.logger = logger;
        _options = options.Value.Webhooks;
    }

    /// <summary>The queue trigger's entry point: the message text as queued.</summary>
    public Task DeliverAsync(string message, CancellationToken cancellationToken)
    {
        WebhookMessage? parsed = null;
        try
        {
            parsed = JsonSerializer.Deserialize(message, WebhookJsonContext.Default.WebhookMessage);
        }
        catch (JsonException)
        {
        }

        if (parsed is null || !TenantId.TryParse(parsed.TenantId, out _) || !WebhookId.TryParse(parsed.WebhookId, out _) || !WebhookEventId.TryParse(parsed.EventId, out _))
        {
            // Not one of ours: retrying it would not make it one.
            Log.WebhookMessageMalformed(logger);
            return Task.CompletedTask;
        }

        return DeliverAsync(parsed, cancellationToken);
    }

    internal async Task DeliverAsync(WebhookMessage message, CancellationToken cancellationToken)
    {
        var tenant = TenantId.FromStorage(message.TenantId);
        var webhookId = WebhookId.FromStorage(message.WebhookId);
        var eventId = WebhookEventId.FromStorage(message.EventId);
        // The tenant's endpoints as cached for the write path (Cache:DirectoryTtl): a change made on this instance is
        // seen at once, one made elsewhere within the TTL; a delivery then costs no read of its endpoint.
        var endpoint = (await outbox.EndpointsAsync(tenant, cancellationToken))?.FirstOrDefault(w => w.Id == webhookId);
        if (endpoint is null)
        {
            // Deleted since: nothing to deliver to, and no log to write in.
            return;
        }

        var delivery = new WebhookDelivery
        {
            TenantId = tenant,
            WebhookId = webhookId,
            EventId = eventId,
            EventType = message.EventType,
            Status = DeliveryStatus.Canceled,
            Attempts = message.Attempts,
            Payload = message.Attempts == 0 ? message.Payload : null,
        };
        if (!endpoint.Enabled)
        {
            await store.PutDeliveryAsync(delivery with { LastError = "endpoint disabled" }, cancellationToken);
            return;
        }

        var now = time.GetUtcNow();
        var first = message.FirstAttemptAt ?? now;
        delivery = delivery with { Attempts = message.Attempts + 1, FirstAttemptAt = first, LastAttemptAt = now };
        var (url, refused) = policy.CheckUrl(endpoint.Url);
        var attempt = url is null
            ? new WebhookAttempt(null, 0, refused)
            : await SendAsync(endpoint, url, message, now, cancellationToken);

        if (attempt.Delivered)
        {
            await store.PutDeliveryAsync(delivery with { Status = DeliveryStatus.Delivered, LastResponseCode = attempt.StatusCode, LastLatencyMs = attempt.LatencyMs }, cancellationToken);
            if (endpoint.FailingSince is not null || endpoint.LastSuccessAt is null || now - endpoint.LastSuccessAt > TimeSpan.FromHours(1))
            {
                await UpdateHealthAsync(endpoint, e => e with { FailingSince = null, LastSuccessAt = now }, cancellationToken);
            }

            return;
        }

        var error = attempt.Error ?? $"HTTP {attempt.StatusCode}";
        Log.WebhookAttemptFailed(logger, tenant.Value, webhookId.Value, eventId.Value, delivery.Attempts, attempt.StatusCode ?? 0, error);
        var gone = attempt.StatusCode == 410;
        var next = gone || url is null ? null : WebhookRetryPolicy.NextDelay(_options, delivery.Attempts, first, now, WebhookRetryPolicy.Jitter());
        delivery = delivery with { LastResponseCode = attempt.StatusCode, LastLatencyMs = attempt.LatencyMs, LastError = error };
        if (next is { } delay)
        {
            // The next attempt is a new message, invisible until it is due; this one is then done.
            await queue.SendAsync(new WebhookMessage
            {
                TenantId = message.TenantId,
                WebhookId = message.WebhookId,
                EventId = message.EventId,
                EventType = message.EventType,
                Payload = message.Payload,
                Attempts = delivery.Attempts,
                FirstAttemptAt = first,
            }, delay, cancellationToken);
            await store.PutDeliveryAsync(delivery with { Status = DeliveryStatus.Retrying, NextAttemptAt = now + delay }, cancellationToken);
        }
        else
        {
            await store.PutDeliveryAsync(delivery with { Status = DeliveryStatus.Failed }, cancellationToken);
        }

        var failingSince = endpoint.FailingSince ?? now;
        var disable = gone
            ? $"the receiver answered 410 Gone at {now:O}"
            : now - failingSince >= _options.DisableAfter ? $"every attempt failed since {failingSince:O} (last: {error})" : null;
        if (disable is not null || endpoint.FailingSince is null)
        {
            await UpdateHealthAsync(endpoint, e => disable is null
                ? e with { FailingSince = e.FailingSince ?? now }
                : e with { Enabled = false, DisabledReason = disable, FailingSince = e.FailingSince ?? now }, cancellationToken);
            if (disable is not null)
            {
                Log.WebhookDisabled(logger, tenant.Value, webhookId.Value, disable);
                outbox.Forget(tenant);
            }
        }
    }

    private async Task<WebhookAttempt> SendAsync(WebhookEndpoint endpoint, Uri url, WebhookMessage message, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The newest secret first: during a rotation's overlap the previous one follows (see the README on verifying).
        var secrets = new List<string> { await protector.UnprotectAsync(endpoint.SecretCipher, endpoint.TenantId, endpoint.Id, cancellationToken) };
        if (endpoint.LivePreviousCipher(now) is { } previous)
        {
            secrets.Add(await protector.UnprotectAsync(previous, endpoint.TenantId, endpoint.Id, cancellationToken));
        }

        var timestamp = now.ToUnixTimeSeconds();
        var signature = WebhookSignature.Header(secrets, message.EventId, timestamp, message.Payload);
        return await sender.SendAsync(url, message.EventId, timestamp, signature, message.Payload, cancellationToken);
    }

    /// <summary>Changes the endpoint's health fields, re-read and re-applied if a caller changed it meanwhile.</summary>
    private async Task UpdateHealthAsync(WebhookEndpoint endpoint, Func<WebhookEndpoint, WebhookEndpoint> change, CancellationToken cancellationToken)
    {
        WebhookEndpoint? current = endpoint;
        for (var attempt = 0; attempt < 3 && current is not null; attempt++)
        {
            if (await store.ReplaceEndpointAsync(change(current), cancellationToken) != WriteOutcome.Conflict)
            {
                break;
            }

            current = await store.GetEndpointAsync(endpoint.TenantId, endpoint.Id, cancellationToken);
        }

        // The cached copy (with its ETag) is stale now: the next delivery reads the endpoint again.
        outbox.Forget(endpoint.TenantId);
    }
}
