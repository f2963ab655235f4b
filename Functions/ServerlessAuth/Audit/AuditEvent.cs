using ServerlessAuth.Tenants;

namespace ServerlessAuth.Audit;

/// <summary>Event types of the audit and usage log. Stable strings: clients filter on them.</summary>
public static class AuditEventTypes
{
    /// <summary>A key was issued (actor: who issued it).</summary>
    public const string KeyIssued = "key.issued";

    /// <summary>A key was rotated; <c>relatedCredentialId</c> names the new key.</summary>
    public const string KeyRotated = "key.rotated";

    /// <summary>A key was revoked (actor: admin, an operator, the holder via RFC 7009, or the lifecycle job).</summary>
    public const string KeyRevoked = "key.revoked";

    /// <summary>The lifecycle job marked a key expired.</summary>
    public const string KeyExpired = "key.expired";

    /// <summary>The lifecycle job flagged a key stale (unused for the tenant's stale-after days).</summary>
    public const string KeyStale = "key.stale";

    /// <summary>The lifecycle job revoked a stale key (tenant policy <c>autoRevokeStale</c>).</summary>
    public const string KeyAutoRevoked = "key.autoRevoked";

    /// <summary>A key expires within the tenant's <c>expiringSoonDays</c>; recorded once per key.</summary>
    public const string KeyExpiringSoon = "key.expiringSoon";

    /// <summary>An app was registered (actor: who registered it; <c>relatedCredentialId</c>: its first secret).</summary>
    public const string AppCreated = "app.created";

    /// <summary>An app was revoked: its secrets and tokens stop working.</summary>
    public const string AppRevoked = "app.revoked";

    /// <summary>An app reached its <c>expiresAt</c> (marked by the lifecycle job).</summary>
    public const string AppExpired = "app.expired";

    /// <summary>A secret was added to an app (<c>relatedCredentialId</c>: the secret id).</summary>
    public const string AppSecretAdded = "app.secretAdded";

    /// <summary>A secret was removed from an app.</summary>
    public const string AppSecretRemoved = "app.secretRemoved";

    /// <summary>An app secret expires within the tenant's <c>expiringSoonDays</c>; recorded once per secret.</summary>
    public const string AppSecretExpiringSoon = "app.secretExpiringSoon";

    /// <summary>An app secret reached its expiry (recorded by the lifecycle job).</summary>
    public const string AppSecretExpired = "app.secretExpired";

    /// <summary>Validations of one credential that failed for one reason, counted over a flush interval.</summary>
    public const string ValidationFailed = "validation.failed";

    /// <summary>Requests refused by the rate limit, counted over a flush interval.</summary>
    public const string RateLimited = "rateLimit.hit";

    /// <summary>Successful validations of one key on one day (updated in place; <c>at</c> is the day).</summary>
    public const string UsageDaily = "usage.daily";

    /// <summary>An operator was removed (<c>credentialId</c>: the operator id); the keys it revoked are listed with the event.</summary>
    public const string OperatorRemoved = "operator.removed";
}

/// <summary>One line of a tenant's audit and usage log. Never holds a secret, a digest or a token.</summary>
internal sealed record AuditEvent
{
    public required TenantId TenantId { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string Type { get; init; }
    public required string Actor { get; init; }
    public string? CredentialId { get; init; }
    public string? Hint { get; init; }
    public string? Detail { get; init; }
    public long? Count { get; init; }
    public string? RelatedCredentialId { get; init; }

    /// <summary>For <c>operator.removed</c>: the keys revoked with the operator.</summary>
    public IReadOnlyList<string>? RelatedCredentialIds { get; init; }

    /// <summary>
    /// Makes the row key deterministic (for events that must be recorded once, such as "expiring soon"): a retry
    /// writes the same row, which already exists. Null gives a random suffix.
    /// </summary>
    public string? OnceKey { get; init; }
}

/// <summary>A log line as answered by <c>GET /api/v1/tenants/{tenantId}/logs</c>.</summary>
public sealed class LogEntryResponse
{
    /// <summary>When it happened (for daily usage: the start of the day, UTC).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Event type (see <see cref="AuditEventTypes"/>).</summary>
    public required string Type { get; init; }

    /// <summary><c>admin</c>, <c>operator:{id}</c>, <c>holder</c>, <c>lifecycle</c> or <c>validation</c>.</summary>
    public required string Actor { get; init; }

    /// <summary>The credential concerned.</summary>
    public string? CredentialId { get; init; }

    /// <summary>Its non-secret hint.</summary>
    public string? Hint { get; init; }

    /// <summary>Reason or detail.</summary>
    public string? Detail { get; init; }

    /// <summary>For counted events: how many.</summary>
    public long? Count { get; init; }

    /// <summary>For rotations: the other key.</summary>
    public string? RelatedCredentialId { get; init; }
}
