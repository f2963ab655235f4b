using Microsoft.Extensions.Logging;

namespace ServerlessAuth;

/// <summary>
/// Every log line of ServerlessAuth, with stable event ids. Lines carry ids and hints (prefix and last four
/// characters), never a secret, a digest or a token.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Credential rejected: kind {Kind}, reason {Reason}, credential {CredentialId}, hint {Hint}")]
    public static partial void ValidationRejected(ILogger logger, string kind, string reason, string? credentialId, string? hint);

    [LoggerMessage(1100, LogLevel.Information, "Tenant {TenantId} created by {Actor}")]
    public static partial void TenantCreated(ILogger logger, string tenantId, string actor);

    [LoggerMessage(1101, LogLevel.Information, "Tenant {TenantId} updated by {Actor}")]
    public static partial void TenantUpdated(ILogger logger, string tenantId, string actor);

    [LoggerMessage(1110, LogLevel.Information, "Operator {OperatorId} of tenant {TenantId} saved by {Actor}")]
    public static partial void OperatorSaved(ILogger logger, string tenantId, string operatorId, string actor);

    [LoggerMessage(1111, LogLevel.Information, "Operator {OperatorId} of tenant {TenantId} removed by {Actor}; {RevokedKeys} keys revoked")]
    public static partial void OperatorRemoved(ILogger logger, string tenantId, string operatorId, string actor, int revokedKeys);

    [LoggerMessage(1200, LogLevel.Information, "API key {KeyId} ({Hint}) issued to operator {OperatorId} of tenant {TenantId} by {Actor}")]
    public static partial void ApiKeyIssued(ILogger logger, string tenantId, string keyId, string hint, string operatorId, string actor);

    [LoggerMessage(1201, LogLevel.Information, "API key {KeyId} ({Hint}) of tenant {TenantId} revoked by {Actor}")]
    public static partial void ApiKeyRevoked(ILogger logger, string tenantId, string keyId, string hint, string actor);

    [LoggerMessage(1203, LogLevel.Information, "API key {KeyId} of tenant {TenantId} rotated to {NewKeyId} by {Actor}")]
    public static partial void ApiKeyRotated(ILogger logger, string tenantId, string keyId, string newKeyId, string actor);

    [LoggerMessage(1202, LogLevel.Warning, "Lost a write race on API key {KeyId} of tenant {TenantId}; retrying")]
    public static partial void ApiKeyWriteConflict(ILogger logger, string tenantId, string keyId);

    [LoggerMessage(1300, LogLevel.Information, "Lifecycle run: {EntriesRead} index entries read; {Expired} expired, {ExpiringSoon} expiring soon, {Stale} stale, {AutoRevoked} auto-revoked, {Purged} purged, {Failures} failures")]
    public static partial void LifecycleRunFinished(ILogger logger, int entriesRead, int expired, int expiringSoon, int stale, int autoRevoked, int purged, int failures);

    [LoggerMessage(1301, LogLevel.Warning, "Lifecycle step {Step} failed for credential {CredentialId} of tenant {TenantId}; it stays due for the next run")]
    public static partial void LifecycleItemFailed(ILogger logger, string step, string tenantId, string credentialId, Exception exception);

    [LoggerMessage(1302, LogLevel.Error, "Lifecycle run failed")]
    public static partial void LifecycleRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(1310, LogLevel.Warning, "Usage flush failed; {Pending} credentials' usage kept for the next flush")]
    public static partial void UsageFlushFailed(ILogger logger, int pending, Exception exception);

    [LoggerMessage(1900, LogLevel.Warning, "Dependency {Dependency} unavailable while serving {Route}; answered 503")]
    public static partial void DependencyUnavailable(ILogger logger, string dependency, string route, Exception exception);

    [LoggerMessage(1901, LogLevel.Error, "Unexpected failure while serving {Route}; answered 500")]
    public static partial void UnexpectedFailure(ILogger logger, string route, Exception exception);

    [LoggerMessage(1902, LogLevel.Warning, "Health check failed for {Dependency}")]
    public static partial void HealthCheckFailed(ILogger logger, string dependency, Exception exception);
}
