namespace ServerlessAuth.Webhooks;

/// <summary>Body of <c>POST /api/v1/tenants/{tenantId}/webhooks</c>.</summary>
public sealed class CreateWebhookRequest
{
    /// <summary>Where events are POSTed: https (http only in the Development environment), no user info, at most 2048 characters.</summary>
    public required string Url { get; init; }

    /// <summary>Optional description, at most 100 characters.</summary>
    public string? Description { get; init; }

    /// <summary>The event types sent to it (see <see cref="WebhookEventTypes"/>), or <c>["*"]</c> for all.</summary>
    public required IReadOnlyList<string> EventTypes { get; init; }

    /// <summary>Whether it receives events. Default true.</summary>
    public bool? Enabled { get; init; }
}

/// <summary>Body of <c>PATCH /api/v1/tenants/{tenantId}/webhooks/{webhookId}</c>: only the members present change.</summary>
public sealed class UpdateWebhookRequest
{
    /// <summary>New URL.</summary>
    public string? Url { get; init; }

    /// <summary>New description (empty clears it).</summary>
    public string? Description { get; init; }

    /// <summary>New event types.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    /// <summary>Enables (clearing the reason it was disabled) or disables the endpoint.</summary>
    public bool? Enabled { get; init; }
}

/// <summary>Body of <c>POST /api/v1/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret</c> (optional).</summary>
public sealed class RotateWebhookSecretRequest
{
    /// <summary>How long the previous secret still signs (beside the new one), 0 to 604800 (7 days). Default 86400 (1 day).</summary>
    public int? OverlapSeconds { get; init; }
}

/// <summary>A webhook endpoint as answered by the API. <see cref="Secret"/> is present once, in the response that creates it.</summary>
public sealed class WebhookResponse
{
    /// <summary>Endpoint id.</summary>
    public required string Id { get; init; }

    /// <summary>The tenant.</summary>
    public required string TenantId { get; init; }

    /// <summary>Where events are POSTed.</summary>
    public required string Url { get; init; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>The event types it receives.</summary>
    public required IReadOnlyList<string> EventTypes { get; init; }

    /// <summary>Whether it receives events.</summary>
    public required bool Enabled { get; init; }

    /// <summary>Why the service disabled it (410 Gone, or every attempt failing for too long).</summary>
    public string? DisabledReason { get; init; }

    /// <summary>The signing secret (<c>whsec_…</c>): in the response that creates or rotates it only, never again.</summary>
    public string? Secret { get; init; }

    /// <summary>Until when the previous secret still signs (after a rotation with an overlap).</summary>
    public DateTimeOffset? PreviousSecretExpiresAt { get; init; }

    /// <summary>The first failed attempt since the last success, while it fails.</summary>
    public DateTimeOffset? FailingSince { get; init; }

    /// <summary>Last delivery it accepted.</summary>
    public DateTimeOffset? LastSuccessAt { get; init; }

    /// <summary>Created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last changed by a caller.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One line of an endpoint's delivery log.</summary>
public sealed class WebhookDeliveryResponse
{
    /// <summary>Delivery id: the event's id (<c>webhook-id</c>), unique per endpoint.</summary>
    public required string Id { get; init; }

    /// <summary>The event type.</summary>
    public required string EventType { get; init; }

    /// <summary><c>pending</c>, <c>retrying</c>, <c>delivered</c>, <c>failed</c> or <c>canceled</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Attempts made so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>HTTP status of the last attempt (absent when no answer came).</summary>
    public int? LastResponseCode { get; init; }

    /// <summary>Duration of the last attempt in milliseconds.</summary>
    public long? LastLatencyMs { get; init; }

    /// <summary>Why the last attempt failed, when it did.</summary>
    public string? LastError { get; init; }

    /// <summary>First attempt (of the current retry window).</summary>
    public DateTimeOffset? FirstAttemptAt { get; init; }

    /// <summary>Last attempt.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>When the next attempt is due, while retrying.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>Answer of the test and redeliver routes: the delivery queued.</summary>
public sealed class WebhookQueuedResponse
{
    /// <summary>The delivery id (the event's <c>webhook-id</c>).</summary>
    public required string DeliveryId { get; init; }

    /// <summary>The event type.</summary>
    public required string EventType { get; init; }

    /// <summary>Always <c>pending</c>: the delivery is queued; follow it in the delivery log.</summary>
    public required string Status { get; init; }
}
