using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Apps;

/// <summary>
/// Cached reads of apps for the token endpoint and for validation. The pointer app id → tenant never changes, so
/// once found it is kept without expiry (a deleted app is caught by its own row); the app row is cached for
/// <see cref="CacheOptions.Ttl"/> like keys, and local writes invalidate it at once.
/// </summary>
internal sealed class AppDirectory(AppStore store, ReadThroughCache cache, IOptions<ServerlessAuthOptions> options)
{
    private readonly ConcurrentDictionary<AppId, TenantId> _index = new();
    private readonly int _maxEntries = options.Value.Cache.MaxEntries;

    /// <summary>Where an app lives; null for an unknown app id (remembered as unknown for the negative TTL).</summary>
    public async ValueTask<AppLocation?> FindAsync(AppId id, CancellationToken cancellationToken)
    {
        if (_index.TryGetValue(id, out var tenant))
        {
            return new AppLocation(id, tenant);
        }

        var found = await cache.GetAsync(IndexKey(id), (store, id), static (s, ct) => s.store.FindTenantAsync(s.id, ct), cancellationToken);
        if (found is not null)
        {
            if (_index.Count >= _maxEntries)
            {
                _index.Clear();
            }

            _index[id] = found.TenantId;
        }

        return found;
    }

    public ValueTask<App?> GetAsync(TenantId tenant, AppId id, CancellationToken cancellationToken) =>
        cache.GetAsync(AppKey(tenant, id), (store, tenant, id), static (s, ct) => s.store.GetAsync(s.tenant, s.id, ct), cancellationToken);

    /// <summary>Drops the cached copy of an app after a local change, so this instance sees it at once.</summary>
    public void Forget(TenantId tenant, AppId id)
    {
        cache.Invalidate(IndexKey(id));
        cache.Invalidate(AppKey(tenant, id));
    }

    private static string IndexKey(AppId id) => "appindex|" + id.Value;

    private static string AppKey(TenantId tenant, AppId id) => $"app|{tenant.Value}|{id.Value}";
}
