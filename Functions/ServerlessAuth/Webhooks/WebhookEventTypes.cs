using System.Collections.Frozen;
using ServerlessAuth.Audit;

namespace ServerlessAuth.Webhooks;

/// <summary>The event types an endpoint can subscribe to. Stable strings: receivers branch on them.</summary>
public static class WebhookEventTypes
{
    /// <summary>Subscribes an endpoint to every type, present and future.</summary>
    public const string All = "*";

    /// <summary>Sent by <c>POST …/webhooks/{webhookId}/test</c> to that endpoint only, whatever it subscribes to.</summary>
    public const string Test = "webhook.test";

    /// <summary>
    /// The audit events that are also sent as webhooks: lifecycle and revocation. Each is written in the same
    /// transaction as the change it records, and so is its outbox row.
    /// </summary>
    internal static FrozenSet<string> FromAudit { get; } = FrozenSet.Create(
        StringComparer.Ordinal,
        AuditEventTypes.KeyIssued,
        AuditEventTypes.KeyRotated,
        AuditEventTypes.KeyRevoked,
        AuditEventTypes.KeyExpiringSoon,
        AuditEventTypes.KeyExpired,
        AuditEventTypes.KeyStale,
        AuditEventTypes.KeyAutoRevoked,
        AuditEventTypes.AppSecretExpiringSoon,
        AuditEventTypes.AppRevoked,
        AuditEventTypes.OperatorRemoved);

    /// <summary>What <c>eventTypes</c> of an endpoint may name.</summary>
    internal static bool IsSubscribable(string type) => type == All || type == Test || FromAudit.Contains(type);
}
