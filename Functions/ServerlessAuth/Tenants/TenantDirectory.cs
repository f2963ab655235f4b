using ServerlessAuth.Storage;

namespace ServerlessAuth.Tenants;

/// <summary>Cached reads of tenants and operators for the validation path; local writes invalidate at once.</summary>
internal sealed class TenantDirectory(TenantStore store, ReadThroughCache cache)
{
    public ValueTask<Tenant?> GetTenantAsync(TenantId id, CancellationToken cancellationToken) =>
        cache.GetAsync(TenantKey(id), ct => store.GetAsync(id, ct), cancellationToken);

    public ValueTask<Operator?> GetOperatorAsync(TenantId tenant, OperatorId id, CancellationToken cancellationToken) =>
        cache.GetAsync(OperatorKey(tenant, id), ct => store.GetOperatorAsync(tenant, id, ct), cancellationToken);

    public void Forget(TenantId id) => cache.Invalidate(TenantKey(id));

    public void Forget(TenantId tenant, OperatorId id) => cache.Invalidate(OperatorKey(tenant, id));

    private static string TenantKey(TenantId id) => "tenant|" + id.Value;

    private static string OperatorKey(TenantId tenant, OperatorId id) => $"operator|{tenant.Value}|{id.Value}";
}
