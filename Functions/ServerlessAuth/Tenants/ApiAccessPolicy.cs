using Microsoft.Extensions.Options;

namespace ServerlessAuth.Tenants;

/// <summary>Whether a tenant's credentials may call the API: its switch is on and its plan includes API access.</summary>
internal sealed class ApiAccessPolicy(IOptions<ServerlessAuthOptions> options)
{
    private readonly HashSet<string> _plansWithoutApi = new(options.Value.PlansWithoutApiAccess, StringComparer.OrdinalIgnoreCase);

    public bool Allows(Tenant tenant) => tenant.ApiEnabled && !_plansWithoutApi.Contains(tenant.Plan);
}
