using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ServerlessAuth;

/// <summary>
/// Validates <see cref="ServerlessAuthOptions"/> at start and reports every error at once. Some rules depend on the
/// host's environment (Development or not).
/// </summary>
internal sealed partial class ServerlessAuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<ServerlessAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerlessAuthOptions options)
    {
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Storage.ConnectionString) && options.Storage.TableServiceUri is null)
        {
            errors.Add("ServerlessAuth:Storage: set ConnectionString (local, Azurite) or TableServiceUri (Azure, managed identity).");
        }

        if (!string.IsNullOrWhiteSpace(options.Storage.ConnectionString) && !IsConnectionString(options.Storage.ConnectionString))
        {
            // Not the parser's message: it quotes parts of the string, which may hold an account key.
            errors.Add("ServerlessAuth:Storage:ConnectionString is not a storage connection string: use UseDevelopmentStorage=true, an Azurite string with TableEndpoint=…, or an account's string.");
        }

        if (!TablePrefix().IsMatch(options.Storage.TablePrefix))
        {
            errors.Add("ServerlessAuth:Storage:TablePrefix: letters and digits only, at most 20, starting with a letter.");
        }

        if (options.Storage.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add("ServerlessAuth:Storage:RequestTimeout must be positive.");
        }

        if (!ApiKeys.ApiKeyText.IsMarker(options.ApiKeys.Prefix))
        {
            errors.Add("ServerlessAuth:ApiKeys:Prefix: 2 to 8 lowercase letters.");
        }

        if (!ApiKeys.ApiKeyText.IsMarker(options.ApiKeys.Environment))
        {
            errors.Add("ServerlessAuth:ApiKeys:Environment: 2 to 8 lowercase letters.");
        }

        var hasKey = !string.IsNullOrEmpty(options.AdminKey);
        var hasHash = !string.IsNullOrEmpty(options.AdminKeyHash);
        if (!hasKey && !hasHash)
        {
            errors.Add("ServerlessAuth:AdminKey (or AdminKeyHash) is required: it is the deployment-wide admin credential.");
        }

        if (hasKey && options.AdminKey!.Length < 32)
        {
            errors.Add("ServerlessAuth:AdminKey must be at least 32 characters.");
        }

        // App Service passes a Key Vault reference it could not resolve through as its literal text, which anyone
        // who knows the vault name could present: refuse to start rather than accept it as the admin key.
        if (hasKey && options.AdminKey!.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("ServerlessAuth:AdminKey is an unresolved Key Vault reference: check the app identity's access to the vault.");
        }

        // The sample settings' placeholder (local.settings.sample.json) is public: anyone could present it.
        if (hasKey && options.AdminKey!.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Contains("CHANGEME", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("ServerlessAuth:AdminKey is still the sample's placeholder: set a random key of 32 or more characters (e.g. the output of `openssl rand -base64 32`).");
        }

        if (hasHash && !Sha256Hex().IsMatch(options.AdminKeyHash!))
        {
            errors.Add("ServerlessAuth:AdminKeyHash must be a SHA-256 digest in lowercase hex (64 characters).");
        }

        if (!Uri.TryCreate(options.Issuer, UriKind.Absolute, out var issuer) || (issuer.Scheme != Uri.UriSchemeHttps && issuer.Scheme != Uri.UriSchemeHttp))
        {
            errors.Add("ServerlessAuth:Issuer must be an absolute http(s) URI.");
        }

        if (options.Cache.Ttl < TimeSpan.Zero || options.Cache.Ttl > TimeSpan.FromMinutes(5))
        {
            errors.Add("ServerlessAuth:Cache:Ttl must be between 0 and 5 minutes: it bounds how long a revocation takes to reach every instance.");
        }

        if (options.Cache.DirectoryTtl is { } directoryTtl && (directoryTtl < TimeSpan.Zero || directoryTtl > TimeSpan.FromMinutes(5)))
        {
            errors.Add("ServerlessAuth:Cache:DirectoryTtl must be between 0 and 5 minutes: it bounds how long removing an operator or a permission, or switching a tenant's API off, takes to reach every instance.");
        }

        if (options.Cache.NegativeTtl < TimeSpan.Zero || options.Cache.NegativeTtl > TimeSpan.FromMinutes(1))
        {
            errors.Add("ServerlessAuth:Cache:NegativeTtl must be between 0 and 1 minute.");
        }

        if (options.Cache.MaxEntries < 1)
        {
            errors.Add("ServerlessAuth:Cache:MaxEntries must be at least 1.");
        }

        if (options.Limits.MaxBodyBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add("ServerlessAuth:Limits:MaxBodyBytes must be between 1 KiB and 1 MiB.");
        }

        if (options.Limits.MaxCredentialHeaderLength is < 256 or > 16 * 1024)
        {
            errors.Add("ServerlessAuth:Limits:MaxCredentialHeaderLength must be between 256 and 16384.");
        }

        if (options.Lifecycle.RetentionDays is < 1 or > 3650)
        {
            errors.Add("ServerlessAuth:Lifecycle:RetentionDays must be between 1 and 3650.");
        }

        if (options.Lifecycle.AuditRetentionDays is < 1 or > 3650)
        {
            errors.Add("ServerlessAuth:Lifecycle:AuditRetentionDays must be between 1 and 3650.");
        }

        if (options.Lifecycle.MaxParallelism is < 1 or > 32)
        {
            errors.Add("ServerlessAuth:Lifecycle:MaxParallelism must be between 1 and 32.");
        }

        if (options.Usage.FlushInterval < TimeSpan.FromSeconds(1) || options.Usage.FlushInterval > TimeSpan.FromHours(1))
        {
            errors.Add("ServerlessAuth:Usage:FlushInterval must be between 1 second and 1 hour.");
        }

        var defaults = options.TenantDefaults;
        if (defaults.RateLimitPerHour < 1)
        {
            errors.Add("ServerlessAuth:TenantDefaults:RateLimitPerHour must be at least 1.");
        }

        if (defaults.StaleAfterDays < 1)
        {
            errors.Add("ServerlessAuth:TenantDefaults:StaleAfterDays must be at least 1.");
        }

        if (defaults.MaxKeyLifetimeDays < 1 || defaults.DefaultKeyLifetimeDays < 1 || defaults.DefaultKeyLifetimeDays > defaults.MaxKeyLifetimeDays)
        {
            errors.Add("ServerlessAuth:TenantDefaults: DefaultKeyLifetimeDays must be between 1 and MaxKeyLifetimeDays.");
        }

        ValidateTokens(options, errors);
        ValidateWebhooks(options.Webhooks, environment.IsDevelopment(), errors);

        // Silently keeping private signing keys in Table Storage is a development convenience, never a production default.
        if (options.KeyVault.Uri is null && !options.KeyVault.AllowDevelopmentKeySource && !environment.IsDevelopment())
        {
            errors.Add($"ServerlessAuth:KeyVault:Uri is not set in the {environment.EnvironmentName} environment: the JWT signing keys would be kept in Table Storage (the development key source). Set ServerlessAuth:KeyVault:Uri, or set ServerlessAuth:KeyVault:AllowDevelopmentKeySource=true to accept that knowingly.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyVault.SigningKeySecretName) || !SecretName().IsMatch(options.KeyVault.SigningKeySecretName))
        {
            errors.Add("ServerlessAuth:KeyVault:SigningKeySecretName: 1 to 127 letters, digits and dashes.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyVault.WebhookKeySecretName) || !SecretName().IsMatch(options.KeyVault.WebhookKeySecretName)
            || options.KeyVault.WebhookKeySecretName == options.KeyVault.SigningKeySecretName)
        {
            errors.Add("ServerlessAuth:KeyVault:WebhookKeySecretName: 1 to 127 letters, digits and dashes, not the signing key's secret.");
        }

        var rateLimiting = options.RateLimiting;
        if (!(rateLimiting.ClaimFraction is >= 0.01 and <= 1))
        {
            errors.Add("ServerlessAuth:RateLimiting:ClaimFraction must be between 0.01 and 1.");
        }

        if (rateLimiting.MaxTrackedCredentials < 1 || rateLimiting.MaxTrackedClients < 1)
        {
            errors.Add("ServerlessAuth:RateLimiting:MaxTrackedCredentials and MaxTrackedClients must be at least 1.");
        }

        if (rateLimiting.FailureLimit is < 0 or > 10_000)
        {
            errors.Add("ServerlessAuth:RateLimiting:FailureLimit must be between 0 (off) and 10000.");
        }

        if (rateLimiting.FailureWindow < TimeSpan.FromSeconds(1) || rateLimiting.FailureWindow > TimeSpan.FromHours(1)
            || rateLimiting.FailureWindow.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add("ServerlessAuth:RateLimiting:FailureWindow must be whole seconds between 1 second and 1 hour.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateTokens(ServerlessAuthOptions options, List<string> errors)
    {
        var tokens = options.Tokens;
        if (tokens.Audience is { } audience && (audience.Length is 0 or > 256 || audience.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            errors.Add("ServerlessAuth:Tokens:Audience: 1 to 256 characters without spaces (or unset: the issuer).");
        }

        if (tokens.MaxLifetime < TimeSpan.FromMinutes(5) || tokens.MaxLifetime > TimeSpan.FromHours(24))
        {
            errors.Add("ServerlessAuth:Tokens:MaxLifetime must be between 5 minutes and 24 hours.");
        }

        if (tokens.DefaultLifetime < TimeSpan.FromMinutes(5) || tokens.DefaultLifetime > tokens.MaxLifetime)
        {
            errors.Add("ServerlessAuth:Tokens:DefaultLifetime must be between 5 minutes and MaxLifetime.");
        }

        if (tokens.ClockSkew < TimeSpan.Zero || tokens.ClockSkew > TimeSpan.FromSeconds(60))
        {
            errors.Add("ServerlessAuth:Tokens:ClockSkew must be between 0 and 60 seconds.");
        }

        if (tokens.JwksMaxAge < TimeSpan.Zero || tokens.JwksMaxAge > TimeSpan.FromDays(1))
        {
            errors.Add("ServerlessAuth:Tokens:JwksMaxAge must be between 0 and 1 day.");
        }

        if (tokens.KeyRefreshInterval < TimeSpan.FromSeconds(1) || tokens.KeyRefreshInterval > TimeSpan.FromHours(1))
        {
            errors.Add("ServerlessAuth:Tokens:KeyRefreshInterval must be between 1 second and 1 hour.");
        }

        if (tokens.KeyPublicationDelay < tokens.JwksMaxAge + tokens.KeyRefreshInterval)
        {
            errors.Add("ServerlessAuth:Tokens:KeyPublicationDelay must be at least JwksMaxAge + KeyRefreshInterval: a new key signs only once every cache has seen it.");
        }

        if (tokens.KeyRotationInterval <= tokens.KeyPublicationDelay)
        {
            errors.Add("ServerlessAuth:Tokens:KeyRotationInterval must be longer than KeyPublicationDelay.");
        }

        if (tokens.VerifiedCacheTtl < TimeSpan.Zero || tokens.VerifiedCacheTtl > TimeSpan.FromMinutes(5))
        {
            errors.Add("ServerlessAuth:Tokens:VerifiedCacheTtl must be between 0 (off) and 5 minutes.");
        }

        if (tokens.VerifiedCacheMaxEntries is < 1 or > 1_000_000)
        {
            errors.Add("ServerlessAuth:Tokens:VerifiedCacheMaxEntries must be between 1 and 1000000.");
        }
    }

    /// <summary>Whether the Table client accepts the string (it only parses; nothing is sent).</summary>
    private static bool IsConnectionString(string value)
    {
        try
        {
            _ = new Azure.Data.Tables.TableServiceClient(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static void ValidateWebhooks(WebhookOptions webhooks, bool development, List<string> errors)
    {
        // Loopback is where a delivery would reach the service's own host or a sidecar: never outside a developer's machine.
        if (webhooks.AllowLoopback && !development)
        {
            errors.Add("ServerlessAuth:Webhooks:AllowLoopback is allowed in the Development environment only.");
        }

        if (webhooks.RequestTimeout < TimeSpan.FromSeconds(1) || webhooks.RequestTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("ServerlessAuth:Webhooks:RequestTimeout must be between 1 and 30 seconds.");
        }

        if (webhooks.RetryBaseDelay < TimeSpan.Zero || webhooks.RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add("ServerlessAuth:Webhooks:RetryBaseDelay must be between 0 and 1 minute.");
        }

        if (webhooks.MaxRetryDelay < webhooks.RetryBaseDelay || webhooks.MaxRetryDelay > TimeSpan.FromHours(2))
        {
            errors.Add("ServerlessAuth:Webhooks:MaxRetryDelay must be between RetryBaseDelay and 2 hours.");
        }

        if (webhooks.RetryFor < TimeSpan.FromMinutes(1) || webhooks.RetryFor > TimeSpan.FromDays(3))
        {
            errors.Add("ServerlessAuth:Webhooks:RetryFor must be between 1 minute and 3 days.");
        }

        if (webhooks.DisableAfter < TimeSpan.FromMinutes(1) || webhooks.DisableAfter > TimeSpan.FromDays(30))
        {
            errors.Add("ServerlessAuth:Webhooks:DisableAfter must be between 1 minute and 30 days.");
        }

        if (webhooks.PollInterval < TimeSpan.FromMilliseconds(50) || webhooks.PollInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add("ServerlessAuth:Webhooks:PollInterval must be between 50 ms and 1 minute.");
        }

        if (webhooks.MaxConcurrentDeliveries is < 1 or > 64)
        {
            errors.Add("ServerlessAuth:Webhooks:MaxConcurrentDeliveries must be between 1 and 64.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,127}$")]
    private static partial Regex SecretName();

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9]{0,19})?$")]
    private static partial Regex TablePrefix();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();
}
