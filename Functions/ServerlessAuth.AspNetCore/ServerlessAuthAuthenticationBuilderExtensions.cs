using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.AspNetCore.Authorization;
using ServerlessAuth.AspNetCore.Jwt;
using ServerlessAuth.AspNetCore.Validation;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the ServerlessAuth scheme to an API.</summary>
public static class ServerlessAuthAuthenticationBuilderExtensions
{
    /// <summary>
    /// The ServerlessAuth scheme (<see cref="ServerlessAuthDefaults.AuthenticationScheme"/>): accepts this deployment's API
    /// keys and JWTs in <c>Authorization: Bearer</c> or <c>x-api-key</c>.
    /// <code>builder.Services.AddAuthentication().AddServerlessAuth(o => o.Authority = "https://auth.example.com");</code>
    /// Settings are read from <c>Authentication:Schemes:ServerlessAuth</c> first, then from <paramref name="configure"/>;
    /// they are validated when the application starts.
    /// </summary>
    public static AuthenticationBuilder AddServerlessAuth(this AuthenticationBuilder builder, Action<ServerlessAuthAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        const string Scheme = ServerlessAuthDefaults.AuthenticationScheme;
        if (!services.Any(d => d.ServiceType == typeof(ServerlessAuthScheme)))
        {
            AddClient(services);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<ServerlessAuthAuthenticationOptions>, ConfigurationBinder>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServerlessAuthAuthenticationOptions>, ServerlessAuthOptionsValidator>());
        services.AddOptions<ServerlessAuthAuthenticationOptions>(Scheme).ValidateOnStart();
        services.TryAddSingleton(sp => new ServerlessAuthScheme(Scheme, sp.GetRequiredService<IOptionsMonitor<ServerlessAuthAuthenticationOptions>>(), sp.GetService<TimeProvider>()));
        services.AddMetrics();
        services.TryAddSingleton<ServerlessAuthMetrics>();
        services.TryAddSingleton<ValidateClient>();
        services.TryAddSingleton<ValidationCache>();
        services.TryAddSingleton<LocalJwtValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, UsageReporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, ScopeAuthorizationHandler>());
        return builder.AddScheme<ServerlessAuthAuthenticationOptions, ServerlessAuthAuthenticationHandler>(Scheme, null, configure);
    }

    /// <summary>
    /// The client that calls ServerlessAuth: no retry (a <c>validate</c> call charges uses, so a retry after a lost answer
    /// would charge them twice; failing fast with 503 and Retry-After is the better use of the caller's time), a timeout per
    /// call, and a circuit breaker that stops calling a dead authority so that it adds no latency. Without the factory's
    /// request logging: its Trace lines redact header values in their text, but their structured state still holds the
    /// request headers, credential included, for any sink that serializes it (the test suite's scanner caught it). The
    /// package logs its own calls' failures instead.
    /// </summary>
    private static void AddClient(IServiceCollection services) =>
        services.AddHttpClient(ServerlessAuthDefaults.HttpClientName)
            .RemoveAllLoggers()
            .AddResilienceHandler("serverlessauth", static (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<ServerlessAuthScheme>().Options;
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 5,
                    SamplingDuration = TimeSpan.FromSeconds(10),
                    BreakDuration = options.BreakDuration,
                    ShouldHandle = static args => ValueTask.FromResult(IsFault(args.Outcome)),
                });
                pipeline.AddTimeout(options.ValidateTimeout);
            });

    /// <summary>
    /// What opens the circuit: no answer (unreachable, timeout) or a server fault. Never a 4xx: a refused or rate-limited
    /// credential is an answer, and one client's bad keys must not cut every other client off.
    /// </summary>
    private static bool IsFault(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException or TimeoutRejectedException
        || outcome.Result is { StatusCode: >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout };

    /// <summary>Binds <c>Authentication:Schemes:ServerlessAuth</c> when the host has authentication configuration.</summary>
    private sealed class ConfigurationBinder(IAuthenticationConfigurationProvider? configuration = null) : IConfigureNamedOptions<ServerlessAuthAuthenticationOptions>
    {
        public void Configure(string? name, ServerlessAuthAuthenticationOptions options)
        {
            if (name != ServerlessAuthDefaults.AuthenticationScheme || configuration is null)
            {
                return;
            }

            var section = configuration.AuthenticationConfiguration.GetSection("Schemes:" + name);
            if (section.Exists())
            {
                section.Bind(options);
            }
        }

        public void Configure(ServerlessAuthAuthenticationOptions options) => Configure(Microsoft.Extensions.Options.Options.DefaultName, options);
    }
}
