using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ServerlessAuth.Tests.Infrastructure;

/// <summary>
/// The standalone host in process (TestServer) over a real Azurite, with its own table prefix so that test
/// classes never see each other's data. Two apps given one prefix are two instances sharing one storage account.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "sa_admin_test_0123456789abcdefghijklmnopqrstuvwxyz";

    private readonly string _connectionString;
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly Lock _clientsLock = new();
    private bool _logsChecked;

    /// <param name="connectionString">The Azurite account.</param>
    /// <param name="time">A fake clock, or null for the system clock.</param>
    /// <param name="settings">Extra settings.</param>
    /// <param name="services">Replacements of services (e.g. a substituted SecretClient).</param>
    /// <param name="tablePrefix">Another app's table prefix, to share its tables (a second instance, or a restart).</param>
    public TestApp(string connectionString, FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? tablePrefix = null)
    {
        _connectionString = connectionString;
        _services = services;
        Time = time;
        TablePrefix = tablePrefix ?? (settings is not null && settings.TryGetValue("ServerlessAuth:Storage:TablePrefix", out var shared) && shared is not null
            ? shared
            : NewTablePrefix());
        LogScan.HarvestSecret(AdminKey, "admin key");
        _settings = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["ServerlessAuth:Storage:ConnectionString"] = connectionString,
            ["ServerlessAuth:Storage:TablePrefix"] = TablePrefix,
            ["ServerlessAuth:AdminKey"] = AdminKey,
        };
    }

    public FakeTimeProvider? Time { get; }

    /// <summary>
    /// Every log line of this host, at Trace and in every category, checked against every secret the host returned or
    /// was shown; <see cref="DisposeAsync"/> throws if one carried a secret.
    /// </summary>
    public SecretLeakScanner LogScan { get; } = new();

    /// <summary>
    /// Whether <see cref="LogScan"/> is wired in (default). Off only for the soak test: it remembers every secret it
    /// sees, which over millions of requests would be the memory growth the soak must not find.
    /// </summary>
    public bool ScansLogs { get; init; } = true;

    /// <summary>
    /// Whether the host runs its background work (the lifecycle scheduler and the usage flusher); off unless a test is
    /// about them, so that tests run the job and flush usage when they choose.
    /// </summary>
    public bool RunsBackgroundWork { get; init; }

    /// <summary>
    /// Whether the host runs its webhook queue worker (on with <see cref="RunsBackgroundWork"/>): off unless a test is
    /// about deliveries, so that hosts of other tests do not poll the shared queue service.
    /// </summary>
    public bool RunsWebhookDelivery { get; init; }

    public string TablePrefix { get; }

    public static async Task<TestApp> StartAsync(FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? tablePrefix = null)
    {
        var azurite = await AzuriteServer.Shared;
        return new TestApp(azurite.ConnectionString, time, settings, services, tablePrefix);
    }

    /// <summary>A host over a dedicated Azurite (for tests that stop storage).</summary>
    public static TestApp For(AzuriteServer azurite, FakeTimeProvider? time = null) => new(azurite.ConnectionString, time);

    /// <summary>A library service of this host (internal types are visible to the tests).</summary>
    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A table prefix no other app uses (pass one to several apps to make them share storage).</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// A client of this host, safe to call from concurrent tasks: the factory starts its server on the first call and
    /// records every client in a plain list, both without a lock (two first calls at once can see the server not yet
    /// initialized; two adds at once can leave a null slot that its dispose then dereferences).
    /// </summary>
    public new HttpClient CreateClient()
    {
        lock (_clientsLock)
        {
            return base.CreateClient();
        }
    }

    /// <summary>A client that presents <paramref name="credential"/> as a Bearer token (none when null).</summary>
    public HttpClient ClientWith(string? credential)
    {
        var client = CreateClient();
        if (credential is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }

        return client;
    }

    public HttpClient Admin() => ClientWith(AdminKey);

    /// <summary>Every entity of every table of this app, for "nothing changed" assertions.</summary>
    public async Task<string> SnapshotAsync()
    {
        var service = new TableServiceClient(_connectionString);
        var lines = new List<string>();
        await foreach (var table in service.QueryAsync())
        {
            if (!table.Name.StartsWith(TablePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                lines.Add($"{table.Name}|{entity.PartitionKey}|{entity.RowKey}|{entity.ETag}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }

    public async Task<JsonObject> CreateTenantAsync(string? id = null, object? extra = null)
    {
        id ??= "t-" + Guid.NewGuid().ToString("N")[..10];
        var body = new JsonObject { ["id"] = id, ["name"] = "Tenant " + id, ["plan"] = "pro" };
        if (extra is not null)
        {
            foreach (var (k, v) in JsonSerializer.SerializeToNode(extra)!.AsObject())
            {
                body[k] = v?.DeepClone();
            }
        }

        return await SendOkAsync(Admin(), HttpMethod.Post, "/api/v1/tenants", body);
    }

    public async Task<JsonObject> PutOperatorAsync(string tenantId, string operatorId, string role, params string[] permissions) =>
        await SendOkAsync(Admin(), HttpMethod.Put, $"/api/v1/tenants/{tenantId}/operators/{operatorId}",
            new { displayName = operatorId, role, permissions });

    public async Task<JsonObject> IssueKeyAsync(string tenantId, string operatorId, string[] scopes, DateTimeOffset? expiresAt = null, HttpClient? client = null) =>
        await SendOkAsync(client ?? Admin(), HttpMethod.Post, $"/api/v1/tenants/{tenantId}/keys",
            new { operatorId, name = "key of " + operatorId, scopes, expiresAt });

    /// <summary>A tenant with one operator holding <paramref name="permissions"/> and one key with all of them.</summary>
    public async Task<(string Tenant, string Key, string KeyId)> SeedAsync(string role = "owner", params string[] permissions)
    {
        var tenant = (string)(await CreateTenantAsync())["id"]!;
        await PutOperatorAsync(tenant, "alice", role, permissions);
        var key = await IssueKeyAsync(tenant, "alice", permissions);
        return (tenant, (string)key["key"]!, (string)key["id"]!);
    }

    public static async Task<JsonObject> SendOkAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(client, method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Stops the host, then fails if any of its log lines carried a secret (see <see cref="LogScan"/>).</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (ScansLogs && !_logsChecked)
        {
            _logsChecked = true;
            LogScan.ThrowIfLeaked();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (ScansLogs)
        {
            builder.ConfigureLogging(logging =>
            {
                logging.AddProvider(new SecretScanningLoggerProvider(LogScan));
                logging.AddFilter<SecretScanningLoggerProvider>(null, LogLevel.Trace);
            });
        }

        builder.ConfigureTestServices(services =>
        {
            if (ScansLogs)
            {
                services.AddSingleton<IStartupFilter>(new SecretHarvester(LogScan));
            }

            if (!RunsBackgroundWork)
            {
                // Tests run the job when they choose; the scheduler would race them whenever they advance the clock.
                // Likewise the usage flusher: its timer fires when a test advances a fake clock, and would flush
                // concurrently with the test's own FlushAsync. Tests flush when they choose.
                var background = new[] { typeof(ServerlessAuth.Lifecycle.LifecycleScheduler), typeof(ServerlessAuth.ApiKeys.UsageFlusher) };
                foreach (var service in services.Where(d => background.Contains(d.ImplementationType)).ToList())
                {
                    services.Remove(service);
                }
            }

            if (!RunsBackgroundWork && !RunsWebhookDelivery)
            {
                foreach (var worker in services.Where(d => d.ImplementationType == typeof(ServerlessAuth.Webhooks.WebhookQueueWorker)).ToList())
                {
                    services.Remove(worker);
                }
            }

            if (Time is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Time);
            }

            _services?.Invoke(services);
        });
    }
}
