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

    [LoggerMessage(1202, LogLevel.Warning, "Lost a write race on API key {KeyId} of tenant {TenantId}; retrying")]
    public static partial void ApiKeyWriteConflict(ILogger logger, string tenantId, string keyId);

    [LoggerMessage(1700, LogLevel.Information, "Rate limit of {Limit} per hour reached by credential {CredentialId} ({Hint}) of tenant {TenantId}; refused until {ResetsAt}")]
    public static partial void RateLimitReached(ILogger logger, string tenantId, string credentialId, string? hint, int limit, DateTimeOffset resetsAt);

    [LoggerMessage(1701, LogLevel.Debug, "Rate limited: credential {CredentialId} ({Hint}) of tenant {TenantId}")]
    public static partial void RateLimited(ILogger logger, string tenantId, string credentialId, string? hint);

    [LoggerMessage(1702, LogLevel.Debug, "Lost a race on the rate-limit counter of credential {CredentialId} of tenant {TenantId}; retrying")]
    public static partial void RateLimitClaimConflict(ILogger logger, string tenantId, string credentialId);

    [LoggerMessage(1703, LogLevel.Warning, "Rate-limit counter of credential {CredentialId} of tenant {TenantId} still contended after {Attempts} attempts; answered 503")]
    public static partial void RateLimitContended(ILogger logger, string tenantId, string credentialId, int attempts);

    [LoggerMessage(1710, LogLevel.Warning, "Client {ClientAddress} exceeded {Limit} failed validations per {WindowSeconds} s; its failures are answered 429")]
    public static partial void FailureThrottleEngaged(ILogger logger, string clientAddress, int limit, int windowSeconds);

    [LoggerMessage(1711, LogLevel.Debug, "Failed validation from {ClientAddress} answered 429")]
    public static partial void FailureThrottled(ILogger logger, string clientAddress);

    [LoggerMessage(1900, LogLevel.Warning, "Dependency {Dependency} unavailable while serving {Route}; answered 503")]
    public static partial void DependencyUnavailable(ILogger logger, string dependency, string route, Exception exception);

    [LoggerMessage(1901, LogLevel.Error, "Unexpected failure while serving {Route}; answered 500")]
    public static partial void UnexpectedFailure(ILogger logger, string route, Exception exception);

    [LoggerMessage(1902, LogLevel.Warning, "Health check failed for {Dependency}")]
    public static partial void HealthCheckFailed(ILogger logger, string dependency, Exception exception);
}
