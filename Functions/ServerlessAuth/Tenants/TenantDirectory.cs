using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Tenants;

/// <summary>
/// Cached reads of tenants and operators for the validation path, kept for <see cref="CacheOptions.DirectoryTtl"/>
/// (every key of a tenant shares them, so they may live longer than the keys); local writes invalidate at once.
/// </summary>
internal sealed class TenantDirectory(TenantStore store, ReadThroughCache cache, IOptions<ServerlessAuthOptions> options)
{
    private readonly TimeSpan _ttl = options.Value.Cache.EffectiveDirectoryTtl;

    public ValueTask<Tenant?> GetTenantAsync(TenantId id, CancellationToken cancellationToken) =>
        cache.GetAsync(TenantKey(id), _ttl, (store, id), static (s, ct) => s.store.GetAsync(s.id, ct), cancellationToken);

    public ValueTask<Operator?> GetOperatorAsync(TenantId tenant, OperatorId id, CancellationToken cancellationToken) =>
        cache.GetAsync(OperatorKey(tenant, id), _ttl, (store, tenant, id), static (s, ct) => s.store.GetOperatorAsync(s.tenant, s.id, ct), cancellationToken);

    public void Forget(TenantId id) => cache.Invalidate(TenantKey(id));

    public void Forget(TenantId tenant, OperatorId id) => cache.Invalidate(OperatorKey(tenant, id));

    private static string TenantKey(TenantId id) => "tenant|" + id.Value;

    private static string OperatorKey(TenantId tenant, OperatorId id) => $"operator|{tenant.Value}|{id.Value}";
}
