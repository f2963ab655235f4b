using System.Text.Json.Serialization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Apps;
using ServerlessAuth.Audit;
using ServerlessAuth.Health;
using ServerlessAuth.Http;
using ServerlessAuth.Lifecycle;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Tokens;
using ServerlessAuth.Validation;
using ServerlessAuth.Webhooks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ServerlessAuth: the same call in the standalone host and in the Functions app.</summary>
public static class ServerlessAuthServiceCollectionExtensions
{
    /// <summary>
    /// Adds every ServerlessAuth service, binding <see cref="ServerlessAuthOptions"/> from the <c>ServerlessAuth</c>
    /// section and validating it at start. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddServerlessAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ServerlessAuthOptions>()
            .Bind(configuration.GetSection(ServerlessAuthOptions.SectionName))
            .PostConfigure(o =>
            {
                if (o.PlansWithoutApiAccess.Count == 0)
                {
                    o.PlansWithoutApiAccess.Add("free");
                }

                // An empty setting (ServerlessAuth__Tokens__Audience="") means "not set": the issuer.
                if (string.IsNullOrWhiteSpace(o.Tokens.Audience))
                {
                    o.Tokens.Audience = null;
                }
            })
            .PostConfigure<IHostEnvironment>((o, environment) =>
            {
                // Developers move the port with --urls: the issuer (and the metadata's jwks_uri) follow it, so that a
                // resource server pointed at that address accepts the tokens. Deployments set the issuer explicitly.
                if (environment.IsDevelopment() && string.IsNullOrEmpty(configuration[$"{ServerlessAuthOptions.SectionName}:{nameof(ServerlessAuthOptions.Issuer)}"])
                    && ServerlessAuthOptions.IssuerFromUrls(configuration["urls"]) is { } listening)
                {
                    o.Issuer = listening;
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerlessAuthOptions>, ServerlessAuthOptionsValidator>());

        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerlessAuthJsonContext.Default);
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServerlessAuthTelemetry>();
        services.TryAddSingleton<StorageMetrics>();
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential());
        services.TryAddSingleton(CreateTableServiceClient);

        services.TryAddSingleton<TableStorage>();
        services.TryAddSingleton<TenantStore>();
        services.TryAddSingleton<ApiKeyStore>();
        services.TryAddSingleton<ReadThroughCache>();
        services.TryAddSingleton<TenantDirectory>();
        services.TryAddSingleton<ApiKeyFormat>();
        services.TryAddSingleton<CredentialValidator>();
        services.TryAddSingleton<CallerAuthenticator>();
        services.TryAddSingleton<ApiKeyRevoker>();
        services.TryAddSingleton<AuditStore>();
        services.TryAddSingleton<DueStore>();
        services.TryAddSingleton<AuditRetention>();
        services.TryAddSingleton<LifecycleSchedule>();
        services.TryAddSingleton<AppLifecycleSteps>();
        services.TryAddSingleton<LifecycleJob>();
        services.TryAddSingleton(sp => new LifecycleRunner(sp.GetRequiredService<LifecycleJob>(), sp.GetRequiredService<ILogger<LifecycleRunner>>()));
        services.TryAddSingleton<UsageRecorder>();
        services.TryAddSingleton<AuditEventCounter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, UsageFlusher>());
        services.TryAddSingleton<ApiAccessPolicy>();

        services.TryAddSingleton<AppStore>();
        services.TryAddSingleton<AppDirectory>();
        services.TryAddSingleton<AppRevoker>();
        services.TryAddSingleton<ClientAuthenticator>();
        services.TryAddSingleton<RevokedTokenStore>();
        services.TryAddSingleton<TokenRevocations>();
        services.TryAddSingleton(CreateSecretClient);
        services.TryAddSingleton(CreateSigningKeySource);
        services.TryAddSingleton<SigningKeyRing>();
        services.TryAddSingleton<TokenIssuer>();
        services.TryAddSingleton<VerifiedTokenCache>();
        services.TryAddSingleton<JwtValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SigningKeySourceAnnouncer>());
        services.TryAddSingleton<RateLimitStore>();
        services.TryAddSingleton<RateLimitMetrics>();
        services.TryAddSingleton<CredentialRateLimiter>();
        services.TryAddSingleton<FailureThrottle>();

        services.TryAddSingleton<TenantHandlers>();
        services.TryAddSingleton<OperatorHandlers>();
        services.TryAddSingleton<ApiKeyHandlers>();
        services.TryAddSingleton<ValidateHandler>();
        services.TryAddSingleton<HealthHandler>();
        services.TryAddSingleton<AppHandlers>();
        services.TryAddSingleton<TokenEndpointHandler>();
        services.TryAddSingleton<IntrospectionHandler>();
        services.TryAddSingleton<RevocationHandler>();
        services.TryAddSingleton<DiscoveryHandler>();
        services.TryAddSingleton<SigningKeyAdminHandler>();
        services.TryAddSingleton<AuditHandlers>();

        services.TryAddSingleton(CreateQueueServiceClient);
        services.TryAddSingleton<WebhookQueue>();
        services.TryAddSingleton<WebhookStore>();
        services.TryAddSingleton<WebhookOutbox>();
        services.TryAddSingleton<WebhookDispatcher>();
        services.TryAddSingleton<WebhookAddressPolicy>();
        services.TryAddSingleton<IWebhookHostResolver, SystemHostResolver>();
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton(CreateWebhookKeySource);
        services.TryAddSingleton<WebhookSecretProtector>();
        services.TryAddSingleton(sp => new WebhookDeliverer(
            sp.GetRequiredService<WebhookStore>(),
            sp.GetRequiredService<WebhookQueue>(),
            sp.GetRequiredService<WebhookSender>(),
            sp.GetRequiredService<WebhookSecretProtector>(),
            sp.GetRequiredService<WebhookAddressPolicy>(),
            sp.GetRequiredService<WebhookOutbox>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ServerlessAuthOptions>>(),
            sp.GetRequiredService<ILogger<WebhookDeliverer>>()));
        services.TryAddSingleton<WebhookHandlers>();
        return services;
    }

    /// <summary>
    /// Delivers webhooks from the queue inside the process: for the standalone host. (The Functions app uses its queue
    /// trigger instead.)
    /// </summary>
    public static IServiceCollection AddServerlessAuthWebhookWorker(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookQueueWorker>());
        return services;
    }

    /// <summary>
    /// Runs the lifecycle job on the <c>LIFECYCLE_SCHEDULE</c> NCRONTAB schedule inside the process: for the standalone
    /// host. (The Functions app uses its timer trigger instead.)
    /// </summary>
    public static IServiceCollection AddServerlessAuthLifecycleScheduler(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LifecycleScheduler>());
        return services;
    }

    /// <summary>Key Vault when <c>ServerlessAuth:KeyVault:Uri</c> is set; the development source (Table Storage) otherwise.</summary>
    private static ISigningKeySource CreateSigningKeySource(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.KeyVault.Uri is null
            ? ActivatorUtilities.CreateInstance<DevelopmentSigningKeySource>(services)
            : ActivatorUtilities.CreateInstance<KeyVaultSigningKeySource>(services);

    /// <summary>Key Vault when <c>ServerlessAuth:KeyVault:Uri</c> is set; the development source (Table Storage) otherwise.</summary>
    private static IWebhookKeySource CreateWebhookKeySource(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.KeyVault.Uri is null
            ? ActivatorUtilities.CreateInstance<DevelopmentWebhookKeySource>(services)
            : ActivatorUtilities.CreateInstance<KeyVaultWebhookKeySource>(services);

    /// <summary>
    /// The Queue client of the webhook deliveries, like the Table client: the connection string locally (its
    /// <c>QueueEndpoint</c>), the queue endpoint with managed identity in Azure (<c>Storage:QueueServiceUri</c>, by
    /// default the table endpoint's account with <c>queue</c> for <c>table</c>). Base64 messages, as the Functions
    /// queue trigger expects them.
    /// </summary>
    private static QueueServiceClient CreateQueueServiceClient(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.Storage;
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        clientOptions.Retry.NetworkTimeout = storage.RequestTimeout;
        clientOptions.AddPolicy(services.GetRequiredService<StorageMetrics>().ForQueues, HttpPipelinePosition.PerCall);
        if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            return new QueueServiceClient(storage.ConnectionString, clientOptions);
        }

        var endpoint = storage.QueueServiceUri ?? new UriBuilder(storage.TableServiceUri!)
        {
            Host = storage.TableServiceUri!.Host.Replace(".table.", ".queue.", StringComparison.OrdinalIgnoreCase),
        }.Uri;
        return new QueueServiceClient(endpoint, services.GetRequiredService<TokenCredential>(), clientOptions);
    }

    /// <summary>
    /// The Key Vault client (managed identity through the registered <see cref="TokenCredential"/>), failing fast like
    /// the Table client: a vault that does not answer in time makes issuance answer 503, never a weaker token.
    /// </summary>
    private static SecretClient CreateSecretClient(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value;
        var vault = options.KeyVault.Uri ?? throw new InvalidOperationException("ServerlessAuth:KeyVault:Uri is not set.");
        var clientOptions = new SecretClientOptions();
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        clientOptions.Retry.NetworkTimeout = options.Storage.RequestTimeout;
        return new SecretClient(vault, services.GetRequiredService<TokenCredential>(), clientOptions);
    }

    /// <summary>
    /// The Table client: a connection string locally (Azurite), the table endpoint with managed identity in Azure.
    /// Built here rather than through <c>AddAzureClients</c>, whose log forwarder writes request URIs, and so the
    /// row keys that hold secret digests, into the application log at Information level.
    /// </summary>
    private static TableServiceClient CreateTableServiceClient(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<ServerlessAuthOptions>>().Value.Storage;
        var clientOptions = new TableClientOptions();

        // Fail fast: a request that cannot be served within the timeout is answered 503, and the caller retries.
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        clientOptions.Retry.NetworkTimeout = storage.RequestTimeout;
        clientOptions.AddPolicy(services.GetRequiredService<StorageMetrics>(), HttpPipelinePosition.PerCall);

        return string.IsNullOrWhiteSpace(storage.ConnectionString)
            ? new TableServiceClient(storage.TableServiceUri, services.GetRequiredService<TokenCredential>(), clientOptions)
            : new TableServiceClient(storage.ConnectionString, clientOptions);
    }
}
