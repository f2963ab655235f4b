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

    // Debug, not Information: a credential that matches nothing says nothing about any holder, and a flood of them
    // (guessing, a misconfigured client) must not turn into a flood of log lines. The failure throttle and the
    // serverlessauth.validations metric (outcome tag) count them instead.
    [LoggerMessage(1001, LogLevel.Debug, "Unknown credential rejected: kind {Kind}, {Why}")]
    public static partial void UnknownCredentialRejected(ILogger logger, string kind, string why);

    [LoggerMessage(1100, LogLevel.Information, "Tenant {TenantId} created by {Actor}")]
    public static partial void TenantCreated(ILogger logger, string tenantId, string actor);

    [LoggerMessage(1101, LogLevel.Information, "Tenant {TenantId} updated by {Actor}")]
    public static partial void TenantUpdated(ILogger logger, string tenantId, string actor);

    [LoggerMessage(1110, LogLevel.Information, "Operator {OperatorId} of tenant {TenantId} saved by {Actor}")]
    public static partial void OperatorSaved(ILogger logger, string tenantId, string operatorId, string actor);

    [LoggerMessage(1111, LogLevel.Information, "Operator {OperatorId} of tenant {TenantId} removed by {Actor}; {RevokedKeys} keys and {RevokedApps} apps revoked")]
    public static partial void OperatorRemoved(ILogger logger, string tenantId, string operatorId, string actor, int revokedKeys, int revokedApps);

    // 3300-3399: least privilege on the control plane (issue 13).
    [LoggerMessage(3300, LogLevel.Information, "Grant of {CredentialId} by or to operator {OperatorId} of tenant {TenantId} was refused by storage (the operator's removal, or an id taken); checking again")]
    public static partial void GrantRaced(ILogger logger, string tenantId, string operatorId, string credentialId);

    [LoggerMessage(3301, LogLevel.Information, "Removal of operator {OperatorId} of tenant {TenantId} lost a race with a change of the operator; looking again")]
    public static partial void OperatorRemovalRaced(ILogger logger, string tenantId, string operatorId);

    [LoggerMessage(1200, LogLevel.Information, "API key {KeyId} ({Hint}) issued to operator {OperatorId} of tenant {TenantId} by {Actor}")]
    public static partial void ApiKeyIssued(ILogger logger, string tenantId, string keyId, string hint, string operatorId, string actor);

    [LoggerMessage(1201, LogLevel.Information, "API key {KeyId} ({Hint}) of tenant {TenantId} revoked by {Actor}")]
    public static partial void ApiKeyRevoked(ILogger logger, string tenantId, string keyId, string hint, string actor);

    [LoggerMessage(1203, LogLevel.Information, "API key {KeyId} of tenant {TenantId} rotated to {NewKeyId} by {Actor}")]
    public static partial void ApiKeyRotated(ILogger logger, string tenantId, string keyId, string newKeyId, string actor);

    [LoggerMessage(1202, LogLevel.Warning, "Lost a write race on API key {KeyId} of tenant {TenantId}; retrying")]
    public static partial void ApiKeyWriteConflict(ILogger logger, string tenantId, string keyId);

    [LoggerMessage(1300, LogLevel.Information, "App {AppId} of tenant {TenantId} registered with secret {SecretId} by {Actor}")]
    public static partial void AppCreated(ILogger logger, string tenantId, string appId, string secretId, string actor);

    [LoggerMessage(1301, LogLevel.Information, "App {AppId} of tenant {TenantId} revoked by {Actor}")]
    public static partial void AppRevoked(ILogger logger, string tenantId, string appId, string actor);

    [LoggerMessage(1302, LogLevel.Information, "Secret {SecretId} added to app {AppId} of tenant {TenantId} by {Actor}")]
    public static partial void AppSecretAdded(ILogger logger, string tenantId, string appId, string secretId, string actor);

    [LoggerMessage(1303, LogLevel.Information, "Secret {SecretId} of app {AppId} of tenant {TenantId} deleted by {Actor}")]
    public static partial void AppSecretDeleted(ILogger logger, string tenantId, string appId, string secretId, string actor);

    [LoggerMessage(1304, LogLevel.Warning, "Lost a write race on app {AppId} of tenant {TenantId}; retrying")]
    public static partial void AppWriteConflict(ILogger logger, string tenantId, string appId);

    [LoggerMessage(1305, LogLevel.Information, "App {AppId} of tenant {TenantId} reached its expiry")]
    public static partial void AppExpired(ILogger logger, string tenantId, string appId);

    [LoggerMessage(1400, LogLevel.Information, "Token {Jti} issued to app {AppId} of tenant {TenantId} (secret {SecretId}, signing key {Kid})")]
    public static partial void TokenIssued(ILogger logger, string tenantId, string appId, string secretId, string jti, string kid);

    [LoggerMessage(1401, LogLevel.Information, "Client refused at an OAuth endpoint: app {AppId}, reason {Reason}")]
    public static partial void ClientRejected(ILogger logger, string? appId, string reason);

    [LoggerMessage(1402, LogLevel.Information, "Token {Jti} of app {AppId} of tenant {TenantId} revoked by {Actor}")]
    public static partial void TokenRevoked(ILogger logger, string tenantId, string appId, string jti, string actor);

    [LoggerMessage(1500, LogLevel.Information, "First signing key {Kid} created in the {Source} key source")]
    public static partial void SigningKeyCreated(ILogger logger, string kid, string source);

    [LoggerMessage(1501, LogLevel.Information, "Signing key {Kid} published in the {Source} key source; it signs from {ActivatesAt:O}, retiring {PreviousKid}")]
    public static partial void SigningKeyRotated(ILogger logger, string kid, DateTimeOffset activatesAt, string previousKid, string source);

    [LoggerMessage(1502, LogLevel.Warning, "Could not refresh the signing keys from the {Source} key source; validating with the keys already loaded")]
    public static partial void SigningKeyRefreshFailed(ILogger logger, string source, Exception exception);

    [LoggerMessage(1503, LogLevel.Warning, "Key Vault secret {SecretName} version {Version} named in the key ring is missing; tokens it signed no longer validate")]
    public static partial void SigningKeyVersionMissing(ILogger logger, string secretName, string version);

    [LoggerMessage(1504, LogLevel.Information, "Signing key rotation requested by {Actor}: {Outcome}")]
    public static partial void SigningKeyRotationRequested(ILogger logger, string actor, string outcome);

    [LoggerMessage(1505, LogLevel.Warning, "JWT signing keys and the key that encrypts webhook secrets come from the DEVELOPMENT key source: they are kept unencrypted in Table Storage. For development only; set ServerlessAuth:KeyVault:Uri in any real deployment.")]
    public static partial void DevelopmentKeySource(ILogger logger);

    [LoggerMessage(1506, LogLevel.Information, "JWT signing keys come from Key Vault {VaultUri}, secret {SecretName}")]
    public static partial void KeyVaultKeySource(ILogger logger, Uri vaultUri, string secretName);

    [LoggerMessage(1600, LogLevel.Information, "Lifecycle run: {EntriesRead} index entries read; {Expired} expired, {ExpiringSoon} expiring soon, {Stale} stale, {AutoRevoked} auto-revoked, {Purged} purged, {Failures} failures")]
    public static partial void LifecycleRunFinished(ILogger logger, int entriesRead, int expired, int expiringSoon, int stale, int autoRevoked, int purged, int failures);

    [LoggerMessage(1601, LogLevel.Warning, "Lifecycle step {Step} failed for credential {CredentialId} of tenant {TenantId}; it stays due for the next run")]
    public static partial void LifecycleItemFailed(ILogger logger, string step, string tenantId, string credentialId, Exception exception);

    [LoggerMessage(1602, LogLevel.Error, "Lifecycle run failed")]
    public static partial void LifecycleRunFailed(ILogger logger, Exception exception);

    [LoggerMessage(1610, LogLevel.Warning, "Usage flush failed; {Pending} credentials' usage kept for the next flush")]
    public static partial void UsageFlushFailed(ILogger logger, int pending, Exception exception);
    [LoggerMessage(1700, LogLevel.Information, "Rate limit of {Limit} per hour reached by credential {CredentialId} ({Hint}) of tenant {TenantId}; refused until {ResetsAt}")]
    public static partial void RateLimitReached(ILogger logger, string tenantId, string credentialId, string? hint, int limit, DateTimeOffset resetsAt);

    [LoggerMessage(1611, LogLevel.Warning, "Shutdown deadline reached during the last usage flush; the usage of {Pending} credentials since the previous flush is not recorded")]
    public static partial void UsageFlushAbandoned(ILogger logger, int pending);

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

    // Webhooks: 4000-4099. URLs are not logged whole (a receiver may put a credential in its path or query): the host only.
    [LoggerMessage(4000, LogLevel.Information, "Webhook {WebhookId} of tenant {TenantId} created by {Actor}, delivering to host {Host}")]
    public static partial void WebhookCreated(ILogger logger, string tenantId, string webhookId, string host, string actor);

    [LoggerMessage(4001, LogLevel.Information, "Webhook {WebhookId} of tenant {TenantId} updated by {Actor}; enabled {Enabled}")]
    public static partial void WebhookUpdated(ILogger logger, string tenantId, string webhookId, bool enabled, string actor);

    [LoggerMessage(4002, LogLevel.Information, "Webhook {WebhookId} of tenant {TenantId} deleted by {Actor}")]
    public static partial void WebhookDeleted(ILogger logger, string tenantId, string webhookId, string actor);

    [LoggerMessage(4003, LogLevel.Information, "Secret of webhook {WebhookId} of tenant {TenantId} rotated by {Actor}; the previous one signs for {OverlapSeconds} s more")]
    public static partial void WebhookSecretRotated(ILogger logger, string tenantId, string webhookId, int overlapSeconds, string actor);

    [LoggerMessage(4004, LogLevel.Information, "Delivery {DeliveryId} of webhook {WebhookId} of tenant {TenantId} queued again by {Actor}")]
    public static partial void WebhookRedeliveryRequested(ILogger logger, string tenantId, string webhookId, string deliveryId, string actor);

    [LoggerMessage(4010, LogLevel.Debug, "Outbox of tenant {TenantId}: {Messages} webhook messages queued")]
    public static partial void WebhookEventsDispatched(ILogger logger, string tenantId, int messages);

    [LoggerMessage(4011, LogLevel.Warning, "Outbox of tenant {TenantId} could not be dispatched; it stays for the next sweep")]
    public static partial void WebhookDispatchFailed(ILogger logger, string tenantId, Exception exception);

    [LoggerMessage(4012, LogLevel.Information, "Webhook {WebhookId} of tenant {TenantId}: attempt {Attempt} of event {EventId} failed ({StatusCode}: {Error})")]
    public static partial void WebhookAttemptFailed(ILogger logger, string tenantId, string webhookId, string eventId, int attempt, int statusCode, string error);

    [LoggerMessage(4013, LogLevel.Warning, "Webhook {WebhookId} of tenant {TenantId} disabled: {Reason}")]
    public static partial void WebhookDisabled(ILogger logger, string tenantId, string webhookId, string reason);

    [LoggerMessage(4014, LogLevel.Warning, "A message of the webhook queue is not a webhook delivery; dropped")]
    public static partial void WebhookMessageMalformed(ILogger logger);

    [LoggerMessage(4015, LogLevel.Warning, "The webhook queue worker cannot reach the queue; retrying with a growing pause")]
    public static partial void WebhookWorkerFailing(ILogger logger, Exception exception);
}
