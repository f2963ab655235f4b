using System.Collections.Immutable;
using Azure;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// A tenant's webhook endpoint. Its signing secrets are kept only encrypted (<see cref="WebhookSecretProtector"/>):
/// the current one and, during a rotation's overlap, the previous one.
/// </summary>
internal sealed record WebhookEndpoint
{
    public required TenantId TenantId { get; init; }
    public required WebhookId Id { get; init; }
    public required string Url { get; init; }
    public string? Description { get; init; }
    public required ImmutableSortedSet<string> EventTypes { get; init; }
    public required bool Enabled { get; init; }

    /// <summary>Why the service disabled the endpoint (410 Gone, or failing for too long); null when enabled or disabled by a caller.</summary>
    public string? DisabledReason { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required string SecretCipher { get; init; }
    public string? PreviousSecretCipher { get; init; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; init; }

    /// <summary>The first failed attempt since the last success (null while the endpoint answers).</summary>
    public DateTimeOffset? FailingSince { get; init; }

    public DateTimeOffset? LastSuccessAt { get; init; }
    public ETag ETag { get; init; }

    public bool Subscribes(string type) => EventTypes.Contains(type) || (EventTypes.Contains(WebhookEventTypes.All) && type != WebhookEventTypes.Test);

    /// <summary>The previous secret, if its overlap has not ended.</summary>
    public string? LivePreviousCipher(DateTimeOffset now) => PreviousSecretExpiresAt > now ? PreviousSecretCipher : null;
}

/// <summary>What became of one event for one endpoint.</summary>
internal enum DeliveryStatus
{
    /// <summary>Queued again after a redeliver request, not attempted since.</summary>
    Pending,

    /// <summary>An attempt failed; another is scheduled.</summary>
    Retrying,

    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>Given up: retried for <c>Webhooks:RetryFor</c>, or the receiver answered 410, or the URL is refused.</summary>
    Failed,

    /// <summary>Not sent: the endpoint was disabled when its turn came.</summary>
    Canceled,
}

/// <summary>One event's delivery to one endpoint, as kept in the endpoint's delivery log.</summary>
internal sealed record WebhookDelivery
{
    public required TenantId TenantId { get; init; }
    public required WebhookId WebhookId { get; init; }
    public required WebhookEventId EventId { get; init; }
    public required string EventType { get; init; }
    public required DeliveryStatus Status { get; init; }
    public required int Attempts { get; init; }
    public int? LastResponseCode { get; init; }
    public long? LastLatencyMs { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? FirstAttemptAt { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The body sent (kept for redelivery): ids, hints, times and actor, never a secret.</summary>
    public string? Payload { get; init; }
}
