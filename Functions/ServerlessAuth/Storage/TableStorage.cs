using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Storage;

/// <summary>
/// The tables of ServerlessAuth. Each table is created on first use (and again after a failure), so the service
/// starts while storage is still unreachable and answers 503 until it is reachable.
/// </summary>
internal sealed class TableStorage(TableServiceClient service, IOptions<ServerlessAuthOptions> options)
{
    /// <summary>Tenants, operators, API keys and their secret digests, partitioned by tenant.</summary>
    public const string Tenants = "Tenants";

    /// <summary>Immutable pointers app id → tenant id, for the token endpoint (which knows only the app id).</summary>
    public const string AppIndex = "AppIndex";

    /// <summary>Revoked token ids (<c>jti</c>), each kept until the token's own expiry.</summary>
    public const string RevokedTokens = "RevokedTokens";

    /// <summary>The development key ring (only without Key Vault).</summary>
    public const string SigningKeys = "SigningKeys";

    /// <summary>Shared rate-limit counters: one row per credential, holding the current window.</summary>
    public const string RateLimits = "RateLimits";

    /// <summary>Webhooks across tenants: the tenants with events waiting in their outbox, and the development key.</summary>
    public const string Webhooks = "Webhooks";

    private readonly string _prefix = options.Value.Storage.TablePrefix;
    private readonly Dictionary<string, TableClient> _ready = [];
    private readonly Lock _gate = new();

    public async ValueTask<TableClient> GetAsync(string table, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_ready.TryGetValue(table, out var ready))
            {
                return ready;
            }
        }

        var client = service.GetTableClient(_prefix + table);
        await client.CreateIfNotExistsAsync(cancellationToken);
        lock (_gate)
        {
            _ready[table] = client;
        }

        return client;
    }

    /// <summary>Readiness probe: one cheap request that needs the account and its credentials to work.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var table = await GetAsync(Tenants, cancellationToken);
        await table.GetEntityIfExistsAsync<TableEntity>("health", "probe", cancellationToken: cancellationToken);
    }
}
