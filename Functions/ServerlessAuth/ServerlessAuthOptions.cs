namespace ServerlessAuth;

/// <summary>
/// Settings of ServerlessAuth, bound from the <c>ServerlessAuth</c> configuration section
/// (environment form: <c>ServerlessAuth__Storage__ConnectionString</c> and so on).
/// </summary>
public sealed partial class ServerlessAuthOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "ServerlessAuth";

    /// <summary>Table Storage settings.</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>Key Vault settings. Empty <see cref="KeyVaultOptions.Uri"/> selects the development key source.</summary>
    public KeyVaultOptions KeyVault { get; set; } = new();

    /// <summary>API key format settings.</summary>
    public ApiKeyFormatOptions ApiKeys { get; set; } = new();

    /// <summary>Validation cache settings: they bound how long a revocation takes to reach other instances.</summary>
    public CacheOptions Cache { get; set; } = new();

    /// <summary>Request limits checked before any parsing or storage access.</summary>
    public RequestLimitOptions Limits { get; set; } = new();

    /// <summary>
    /// The deployment-wide admin key (in Azure a Key Vault reference). Either this or
    /// <see cref="AdminKeyHash"/> must be set. At least 32 characters.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>
    /// SHA-256 of the admin key, lowercase hex, for deployments that keep only the hash in configuration.
    /// </summary>
    public string? AdminKeyHash { get; set; }

    /// <summary>
    /// The <c>iss</c> of issued JWTs and the base of the metadata documents. Default <c>http://localhost:7071</c>; in
    /// Development, the first address the standalone host listens on (<c>--urls</c> / <c>ASPNETCORE_URLS</c>) when set.
    /// </summary>
    public string Issuer { get; set; } = "http://localhost:7071";

    /// <summary>
    /// The issuer a host listening on <paramref name="urls"/> (the <c>urls</c> setting, <c>;</c>-separated) is reached
    /// at: the first address, a wildcard host read as <c>localhost</c>; null when there is none or its port is chosen at
    /// start (0).
    /// </summary>
    internal static string? IssuerFromUrls(string? urls)
    {
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null || ListeningUrl().Match(first) is not { Success: true } url || url.Groups["port"].Value == "0")
        {
            return null;
        }

        var host = url.Groups["host"].Value is "*" or "+" or "0.0.0.0" or "[::]" ? "localhost" : url.Groups["host"].Value;
        var port = url.Groups["port"].Success ? ":" + url.Groups["port"].Value : "";
        return $"{url.Groups["scheme"].Value.ToLowerInvariant()}://{host}{port}";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<scheme>https?)://(?<host>\[[^\]]*\]|[^:/\[\]]+)(?::(?<port>[0-9]{1,5}))?/?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ListeningUrl();

    /// <summary>
    /// Plans whose tenants have no API access (their credentials answer 403 <c>api_not_enabled</c>).
    /// Default: <c>free</c>. Comparison is case-insensitive.
    /// </summary>
    public IList<string> PlansWithoutApiAccess { get; } = [];

    /// <summary>Lifecycle job settings.</summary>
    public LifecycleOptions Lifecycle { get; set; } = new();

    /// <summary>Usage tracking settings.</summary>
    public UsageOptions Usage { get; set; } = new();

    /// <summary>Defaults for new tenants.</summary>
    public TenantDefaultsOptions TenantDefaults { get; set; } = new();

    /// <summary>Access tokens (JWTs): audience, lifetimes, clock skew, signing-key rotation.</summary>
    public TokenOptions Tokens { get; set; } = new();
    /// <summary>Per-credential rate limits and the throttling of failed validations (see <c>RateLimiting/README.md</c>).</summary>
    public RateLimitingOptions RateLimiting { get; set; } = new();

    /// <summary>Lifecycle notifications as signed webhooks: delivery, retries, SSRF protection.</summary>
    public WebhookOptions Webhooks { get; set; } = new();
}

/// <summary>Table Storage settings.</summary>
public sealed class StorageOptions
{
    /// <summary>Connection string (<c>UseDevelopmentStorage=true</c> or an Azurite endpoint locally).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Table endpoint used with managed identity in Azure (no shared keys).</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>
    /// Queue endpoint used with managed identity in Azure (the webhook delivery queue). Locally the queue is reached
    /// through <see cref="ConnectionString"/> (its <c>QueueEndpoint</c>, or Azurite's default with
    /// <c>UseDevelopmentStorage=true</c>).
    /// </summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Prefix of every table name (letters and digits), to share one account between deployments or tests.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>Timeout of one storage request, after which the request is answered 503. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Key Vault settings.</summary>
public sealed class KeyVaultOptions
{
    /// <summary>Vault URI; empty locally, where a development key source is used and says so in the log.</summary>
    public Uri? Uri { get; set; }

    /// <summary>
    /// Outside the Development environment, an empty <see cref="Uri"/> refuses to start unless this is true: the
    /// development key source keeps the private signing keys in Table Storage, readable by anyone who can read the
    /// tables. Default false.
    /// </summary>
    public bool AllowDevelopmentKeySource { get; set; }

    /// <summary>
    /// Name of the Key Vault secret holding the JWT signing keys, one secret version per key.
    /// Default <c>serverlessauth-jwt-signing-key</c>.
    /// </summary>
    public string SigningKeySecretName { get; set; } = "serverlessauth-jwt-signing-key";

    /// <summary>
    /// Name of the Key Vault secret holding the key that encrypts webhook signing secrets at rest, one secret version
    /// per key (created on first use). Default <c>serverlessauth-webhook-secret-key</c>.
    /// </summary>
    public string WebhookKeySecretName { get; set; } = "serverlessauth-webhook-secret-key";
}

/// <summary>
/// Access tokens (ES256 JWTs) and their signing keys. The rotation timeline: a new key is published in the JWKS
/// at once and signs only after <see cref="KeyPublicationDelay"/>; the key it replaces stays published until
/// every token it signed has expired (<see cref="MaxLifetime"/> plus <see cref="ClockSkew"/>), then is removed.
/// </summary>
public sealed class TokenOptions
{
    /// <summary>
    /// The <c>aud</c> of issued tokens, checked exactly on validation. Resource servers configure the same value
    /// (JwtBearer <c>Audience</c>). Default: the <see cref="ServerlessAuthOptions.Issuer"/>.
    /// </summary>
    public string? Audience { get; set; }

    /// <summary>Lifetime of tokens of a tenant created without <c>tokenLifetimeMinutes</c>. Default 1 hour.</summary>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Longest lifetime a tenant may give its tokens (5 minutes to 24 hours). Retired signing keys stay
    /// published this long (plus the clock skew) after their successor starts signing. Default 24 hours.
    /// </summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c> on validation, at most 60 seconds. Default 30 seconds.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Cache-Control: max-age</c> of the JWKS and the metadata documents. Default 15 minutes.</summary>
    public TimeSpan JwksMaxAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a new signing key is published before it signs anything; at least <see cref="JwksMaxAge"/> plus
    /// <see cref="KeyRefreshInterval"/>, so that every cache and every instance has seen it. Default 1 hour.
    /// </summary>
    public TimeSpan KeyPublicationDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often each instance re-reads the key ring from its source. Default 5 minutes.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Age of the signing key after which the lifecycle job rotates it. Default 30 days.</summary>
    public TimeSpan KeyRotationInterval { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long this instance remembers a token whose signature and claims it verified, so that the token presented
    /// again skips the signature verification (never past the token's <c>exp</c>). Lifetime, revocation, the app,
    /// the tenant and the signing key are still checked on every use. Default 1 minute; 0 disables; at most 5 minutes.
    /// </summary>
    public TimeSpan VerifiedCacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most verified tokens remembered at once (see <see cref="VerifiedCacheTtl"/>). Default 10 000.</summary>
    public int VerifiedCacheMaxEntries { get; set; } = 10_000;
}

/// <summary>API key format: <c>{Prefix}_{Environment}_{tenantId}_{32 base62 characters}{6 base62 CRC32}</c>.</summary>
public sealed class ApiKeyFormatOptions
{
    /// <summary>Key prefix (lowercase letters, 2 to 8). Default <c>sa</c>.</summary>
    public string Prefix { get; set; } = "sa";

    /// <summary>Environment marker (lowercase letters, 2 to 8), e.g. <c>live</c> or <c>test</c>. Default <c>live</c>.</summary>
    public string Environment { get; set; } = "live";
}

/// <summary>Validation cache settings.</summary>
public sealed class CacheOptions
{
    /// <summary>
    /// How long an API key (looked up by its secret) and an app registration are served from memory, and the
    /// default of <see cref="DirectoryTtl"/>. This is the bound on how long a revocation of a key or an app made on
    /// another instance takes to be seen. Default 5 s; 0 disables caching them.
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a tenant and an operator are served from memory: the bound on how long a change to them made on
    /// another instance (operator removed, permission taken away, API switched off, plan changed) takes to be seen.
    /// Every key of a tenant shares its tenant and operator entries, so a longer directory TTL than <see cref="Ttl"/>
    /// makes a key-cache miss cost one storage read instead of up to three. Default: <see cref="Ttl"/>; 0 disables.
    /// </summary>
    public TimeSpan? DirectoryTtl { get; set; }

    /// <summary>The effective <see cref="DirectoryTtl"/>.</summary>
    internal TimeSpan EffectiveDirectoryTtl => DirectoryTtl ?? Ttl;

    /// <summary>How long an unknown key is remembered as unknown, to absorb guessing. Default 5 s.</summary>
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum number of cached entries. Default 100 000.</summary>
    public int MaxEntries { get; set; } = 100_000;
}

/// <summary>Request limits, checked before any parsing or storage access.</summary>
public sealed class RequestLimitOptions
{
    /// <summary>Largest accepted request body in bytes. Default 16 KiB.</summary>
    public int MaxBodyBytes { get; set; } = 16 * 1024;

    /// <summary>Largest accepted credential header (<c>Authorization</c>, <c>x-api-key</c>) in characters. Default 4096.</summary>
    public int MaxCredentialHeaderLength { get; set; } = 4096;
}

/// <summary>Defaults applied to tenants created without explicit values.</summary>
public sealed class TenantDefaultsOptions
{
    /// <summary>Plan of a new tenant. Default <c>standard</c>.</summary>
    public string Plan { get; set; } = "standard";

    /// <summary>Validations per hour per credential. Default 1000.</summary>
    public int RateLimitPerHour { get; set; } = 1000;

    /// <summary>Days without use after which a key is stale. Default 90.</summary>
    public int StaleAfterDays { get; set; } = 90;

    /// <summary>Lifetime of a key created without <c>expiresAt</c>, in days. Default 90.</summary>
    public int DefaultKeyLifetimeDays { get; set; } = 90;

    /// <summary>Longest lifetime a key may be given, in days. Default 365.</summary>
    public int MaxKeyLifetimeDays { get; set; } = 365;

    /// <summary>Lead time of "expiring soon" events, in days. Default 7.</summary>
    public int ExpiringSoonDays { get; set; } = 7;
}

/// <summary>Lifecycle job settings. The schedule itself is the top-level <c>LIFECYCLE_SCHEDULE</c> setting.</summary>
public sealed class LifecycleOptions
{
    /// <summary>Days a revoked or expired key is kept (visible as such) before it is deleted. Default 30.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>
    /// Days an audit event (including daily usage counts) is kept before the lifecycle job deletes it. Default 365;
    /// between 1 and 3650.
    /// </summary>
    public int AuditRetentionDays { get; set; } = 365;

    /// <summary>
    /// Index entries a run processes at once (each its own credential; the entries of one day are taken a hundred at
    /// a time, one index transaction each). Default 8; between 1 and 32.
    /// </summary>
    public int MaxParallelism { get; set; } = 8;
}

/// <summary>Usage tracking: last-used times and daily counts are coalesced in memory and written once per interval.</summary>
public sealed class UsageOptions
{
    /// <summary>How often usage is written to storage: at most one write per credential per interval. Default 1 minute.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Per-credential rate limits (the tenant's <c>rateLimitPerHour</c>, or the key's own) and the throttling of
/// failed validations per client address.
/// </summary>
public sealed class RateLimitingOptions
{
    /// <summary>Whether validations are counted against their credential's hourly limit. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Share of a credential's remaining hourly budget that one instance claims from the shared counter at a time
    /// (at least one request). Smaller claims cost more storage writes; larger ones let idle instances hold more of
    /// the budget that others cannot use. Default 0.1; between 0.01 and 1.
    /// </summary>
    public double ClaimFraction { get; set; } = 0.1;

    /// <summary>Credentials whose window state one instance keeps in memory. Default 100 000.</summary>
    public int MaxTrackedCredentials { get; set; } = 100_000;

    /// <summary>
    /// Failed validations (401) one client address may cause per <see cref="FailureWindow"/> before further failures
    /// answer 429. A valid credential from the same address is never refused. Counted per instance. Default 60; 0
    /// turns the throttle off; at most 10 000.
    /// </summary>
    public int FailureLimit { get; set; } = 60;

    /// <summary>The sliding window of <see cref="FailureLimit"/>. Default 1 minute; whole seconds, 1 s to 1 hour.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Take the client address from the first (left-most) <c>X-Forwarded-For</c> entry instead of the connection.
    /// Turn on only behind a proxy that sets that header (Azure Functions, App Service, Front Door); a client can
    /// write the header itself otherwise. Default false.
    /// </summary>
    public bool TrustForwardedFor { get; set; }

    /// <summary>Client addresses whose recent failures one instance keeps in memory. Default 100 000.</summary>
    public int MaxTrackedClients { get; set; } = 100_000;
}

/// <summary>
/// Webhooks: each tenant's endpoints receive its lifecycle and revocation events, signed per the Standard Webhooks
/// specification, at least once, retried with exponential backoff and jitter.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// Also deliver to loopback addresses (127.0.0.0/8, ::1): for receivers on the developer's own machine and for tests.
    /// Refused at start outside the Development environment. Default false.
    /// </summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Timeout of one delivery attempt (connect, send, response headers and the first 4 KB of body). Default 10 s; 1 to 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Delay before the first retry; each further retry doubles it (with ±20 % jitter). Default 5 s; 0 to 1 minute.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest delay between two attempts. Default 1 hour; at least <see cref="RetryBaseDelay"/>, at most 2 hours.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a delivery is retried, counted from its first attempt. Default 24 hours; 1 minute to 3 days.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// An endpoint whose every attempt failed for this long (since its last success) is disabled, and says why. A
    /// receiver answering 410 Gone is disabled at once. Default 24 hours; 1 minute to 30 days.
    /// </summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How often the standalone host's queue worker looks for messages when the queue was empty. (The Functions app
    /// uses its queue trigger.) Default 2 s; 50 ms to 1 minute.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deliveries one instance sends at once (standalone host). Default 16; 1 to 64.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 16;
}
