namespace ServerlessAuth.Lifecycle;

/// <summary>What one lifecycle run changed (the answer of <c>POST /api/v1/admin/lifecycle/run</c>).</summary>
public sealed class LifecycleReport
{
    /// <summary>Start of the run.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>End of the run.</summary>
    public DateTimeOffset FinishedAt { get; set; }

    /// <summary>Index entries read (the run's cost: what was due, not what is stored).</summary>
    public int EntriesRead { get; set; }

    /// <summary>Keys marked expired.</summary>
    public int Expired { get; set; }

    /// <summary>Apps marked expired (past their <c>expiresAt</c>).</summary>
    public int AppsExpired { get; set; }

    /// <summary>App secrets past their expiry, recorded once each (<c>app.secretExpired</c>).</summary>
    public int AppSecretsExpired { get; set; }

    /// <summary>"Expiring soon" events recorded (keys and app secrets).</summary>
    public int ExpiringSoon { get; set; }

    /// <summary>Keys flagged stale.</summary>
    public int FlaggedStale { get; set; }

    /// <summary>Stale keys revoked by tenant policy.</summary>
    public int AutoRevoked { get; set; }

    /// <summary>Revoked or expired keys and apps, and expired app secrets, deleted after the retention period.</summary>
    public int Purged { get; set; }

    /// <summary>Active keys whose staleness entry moved because their tenant shortened <c>staleAfterDays</c>.</summary>
    public int KeysReindexed { get; set; }

    /// <summary>Audit events deleted after the audit retention period.</summary>
    public int AuditEventsPurged { get; set; }

    /// <summary>Webhook delivery log lines deleted with the audit events of their time.</summary>
    public int WebhookDeliveriesPurged { get; set; }

    /// <summary>
    /// Webhook messages the closing sweep of the outbox queued: events the background dispatcher had not moved yet.
    /// </summary>
    public int WebhookMessagesQueued { get; set; }

    /// <summary>Revoked token ids forgotten because their tokens have expired.</summary>
    public int RevokedTokensPurged { get; set; }

    /// <summary>Outcome of the scheduled signing-key rotation (<c>Rotated</c>, <c>AlreadyPending</c>, <c>NotDue</c>…).</summary>
    public string? SigningKeyRotation { get; set; }

    /// <summary>Items that failed; they stay in the index and are retried by the next run.</summary>
    public IList<LifecycleFailure> Failures { get; } = [];
}

/// <summary>One item a run could not process.</summary>
public sealed class LifecycleFailure
{
    /// <summary>The step (<c>Expire</c>, <c>ExpiringSoon</c>, <c>Stale</c>, <c>Purge</c>, <c>AuditPurge</c>, or a whole-run step).</summary>
    public required string Step { get; init; }

    /// <summary>Tenant id.</summary>
    public required string TenantId { get; init; }

    /// <summary>Credential id.</summary>
    public required string CredentialId { get; init; }

    /// <summary>What went wrong (exception type and status; never secrets).</summary>
    public required string Error { get; init; }
}
