using System.Text.Json;
using System.Text.Json.Serialization;
using ServerlessAuth.Audit;

namespace ServerlessAuth.Webhooks;

/// <summary>
/// The body of a webhook, as the Standard Webhooks specification suggests: <c>type</c>, <c>timestamp</c> and
/// <c>data</c>. Ids, hints, times and the actor only: never a secret, a digest or a token.
/// </summary>
internal sealed class WebhookPayload
{
    /// <summary>
    /// Most revoked key ids listed in one <c>operator.removed</c> event (its <c>detail</c> counts them all, and each key
    /// also has its own <c>key.revoked</c>): the event stays within a table property and a queue message.
    /// </summary>
    public const int MaxListedKeys = 500;

    public required string Type { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required WebhookEventData Data { get; init; }

    public static string Serialize(WebhookEventId id, AuditEvent e) => JsonSerializer.Serialize(
        new WebhookPayload
        {
            Type = e.Type,
            Timestamp = e.At,
            Data = new WebhookEventData
            {
                EventId = id.Value,
                TenantId = e.TenantId.Value,
                Actor = e.Actor,
                CredentialId = e.Type == AuditEventTypes.OperatorRemoved ? null : e.CredentialId,
                OperatorId = e.Type == AuditEventTypes.OperatorRemoved ? e.CredentialId : null,
                Hint = e.Hint,
                RelatedCredentialId = e.RelatedCredentialId,
                Detail = e.Detail,
                RevokedKeyIds = e.RelatedCredentialIds,
            },
        },
        WebhookJsonContext.Default.WebhookPayload);

    public static string SerializeTest(WebhookEventId id, string tenantId, string webhookId, string actor, DateTimeOffset at) => JsonSerializer.Serialize(
        new WebhookPayload
        {
            Type = WebhookEventTypes.Test,
            Timestamp = at,
            Data = new WebhookEventData { EventId = id.Value, TenantId = tenantId, Actor = actor, WebhookId = webhookId },
        },
        WebhookJsonContext.Default.WebhookPayload);
}

/// <summary>The <c>data</c> of a webhook; absent members are omitted.</summary>
internal sealed class WebhookEventData
{
    public required string EventId { get; init; }
    public required string TenantId { get; init; }
    public required string Actor { get; init; }
    public string? CredentialId { get; init; }
    public string? OperatorId { get; init; }
    public string? Hint { get; init; }
    public string? RelatedCredentialId { get; init; }
    public string? Detail { get; init; }
    public IReadOnlyList<string>? RevokedKeyIds { get; init; }
    public string? WebhookId { get; init; }
}

/// <summary>
/// A queue message: one event for one endpoint. Carries the body, so delivery needs no read of the outbox, and the
/// attempts made so far (a retry is a new message, queued with the backoff delay as its visibility timeout).
/// </summary>
internal sealed class WebhookMessage
{
    public required string TenantId { get; init; }
    public required string WebhookId { get; init; }
    public required string EventId { get; init; }
    public required string EventType { get; init; }
    public required string Payload { get; init; }

    /// <summary>Attempts made before this one.</summary>
    public int Attempts { get; init; }

    /// <summary>First attempt of the current retry window (null before it).</summary>
    public DateTimeOffset? FirstAttemptAt { get; init; }
}

/// <summary>JSON of webhook bodies and queue messages: web defaults, nulls omitted.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(WebhookMessage))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
