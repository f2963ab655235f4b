using System.Text.Json.Serialization;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ServerlessAuth;
using ServerlessAuth.ApiKeys;
using ServerlessAuth.Health;
using ServerlessAuth.Http;
using ServerlessAuth.RateLimiting;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;
using ServerlessAuth.Validation;

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
        services.TryAddSingleton<RateLimitStore>();
        services.TryAddSingleton<RateLimitMetrics>();
        services.TryAddSingleton<CredentialRateLimiter>();
        services.TryAddSingleton<FailureThrottle>();

        services.TryAddSingleton<TenantHandlers>();
        services.TryAddSingleton<OperatorHandlers>();
        services.TryAddSingleton<ApiKeyHandlers>();
        services.TryAddSingleton<ValidateHandler>();
        services.TryAddSingleton<HealthHandler>();
        return services;
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
