using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessAuth.AspNetCore;
using ServerlessAuth.AspNetCore.Authorization;
using ServerlessAuth.Tests.Infrastructure;

namespace ServerlessAuth.Tests.AspNetCore;

/// <summary>
/// A provider's API that adds ServerlessAuth.AspNetCore as the three lines show, in process (TestServer), its
/// calls to ServerlessAuth going to a real standalone host (<see cref="TestApp"/> over Azurite): through that host's
/// TestServer handler, or over the network when the host listens on a port. Every request it makes is counted by path,
/// every log line it writes (Trace, every category) goes through the host's secret scanner, and the package's metrics
/// are totalled.
/// </summary>
public sealed class ProviderApi : IAsyncDisposable
{
    public const string InProcessAuthority = "http://localhost:7071";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _metrics = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    private ProviderApi(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Calls to ServerlessAuth's <c>validate</c>.</summary>
    public long ValidateCalls => Calls("/api/v1/validate");

    /// <summary>Every call to ServerlessAuth (validate, discovery, JWKS).</summary>
    public long AllCalls => _calls.Values.Sum();

    public IServiceProvider Services => _app.Services;

    /// <param name="serverlessAuth">The ServerlessAuth host; its scanner checks this API's logs too.</param>
    /// <param name="configure">Options beyond the authority (in process: <see cref="InProcessAuthority"/>, http allowed).</param>
    /// <param name="time">The API's clock (the package's cache, reports and circuit breaker), or the system's.</param>
    /// <param name="network">True when <paramref name="serverlessAuth"/> listens on a port (Kestrel): call it over the network.</param>
    /// <param name="logs">Extra log sink.</param>
    public static async Task<ProviderApi> StartAsync(
        TestApp serverlessAuth, Action<ServerlessAuthAuthenticationOptions>? configure = null, TimeProvider? time = null, bool network = false, ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new SecretScanningLoggerProvider(serverlessAuth.LogScan));
        builder.Logging.AddFilter<SecretScanningLoggerProvider>(null, LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
        }

        builder.Services.AddSingleton<IStartupFilter>(new SecretHarvester(serverlessAuth.LogScan));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        // The three lines (the authority in process is the host's default issuer).
        builder.Services.AddAuthentication().AddServerlessAuth(o =>
        {
            o.Authority = InProcessAuthority;
            o.RequireHttpsMetadata = false;
            configure?.Invoke(o);
        });
        builder.Services.AddAuthorization(o => o.AddScopePolicy("contacts:read"));

        ProviderApi? api = null;
        builder.Services.AddHttpClient(ServerlessAuthDefaults.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => network ? new SocketsHttpHandler() : serverlessAuth.Server.CreateHandler())
            .AddHttpMessageHandler(() => new Counting(path => api!._calls.AddOrUpdate(path, 1, (_, n) => n + 1)));

        var app = builder.Build();
        api = new ProviderApi(app);
        api.ListenToMetrics();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/contacts", (ClaimsPrincipal user) => TypedResults.Json(Describe(user))).RequireAuthorization("contacts:read");
        app.MapPost("/contacts", () => TypedResults.Created("/contacts/1")).RequireAuthorization(new RequireScopeAttribute("contacts:write"));
        app.MapGet("/public", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true ? "authenticated" : "anonymous");
        await app.StartAsync();
        return api;
    }

    public HttpClient Client(string? bearer = null, string? apiKey = null)
    {
        var client = _app.GetTestClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("x-api-key", apiKey);
        }

        return client;
    }

    public async Task<HttpResponseMessage> GetContactsAsync(string credential) => await Client(credential).GetAsync("/contacts");

    public long Calls(string path) => _calls.GetValueOrDefault(path);

    /// <summary>The total of one of the package's counters, optionally of one tag value (e.g. <c>error=circuit_open</c>).</summary>
    public long Metric(string instrument, string? tag = null) => _metrics.GetValueOrDefault(tag is null ? instrument : instrument + "|" + tag);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _listener.Dispose();
    }

    private static Dictionary<string, object?> Describe(ClaimsPrincipal user) => new()
    {
        ["name"] = user.Identity?.Name,
        ["tenant"] = user.FindFirstValue(ServerlessAuthClaimTypes.Tenant),
        ["credentialId"] = user.FindFirstValue(ServerlessAuthClaimTypes.CredentialId),
        ["kind"] = user.FindFirstValue(ServerlessAuthClaimTypes.Kind),
        ["role"] = user.FindFirstValue(ServerlessAuthClaimTypes.Role),
        ["scopes"] = user.FindAll(ServerlessAuthClaimTypes.Scope).Select(c => c.Value).ToArray(),
    };

    private void ListenToMetrics()
    {
        var factory = _app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ServerlessAuthDefaults.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _metrics.AddOrUpdate(instrument.Name, value, (_, n) => n + value);
            foreach (var tag in tags)
            {
                _metrics.AddOrUpdate($"{instrument.Name}|{tag.Key}={tag.Value}", value, (_, n) => n + value);
            }
        });
        _listener.Start();
    }

    /// <summary>Counts the requests the package sends, by path.</summary>
    private sealed class Counting(Action<string> count) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            count(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
