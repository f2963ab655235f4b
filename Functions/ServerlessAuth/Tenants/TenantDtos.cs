namespace ServerlessAuth.Tenants;

/// <summary>Body of <c>POST /api/v1/tenants</c>. Omitted settings take the deployment's tenant defaults.</summary>
public sealed class CreateTenantRequest
{
    /// <summary>Optional id (3 to 32 of <c>a-z 0-9 -</c>); generated when omitted.</summary>
    public string? Id { get; init; }

    /// <summary>Display name, 1 to 100 characters.</summary>
    public required string Name { get; init; }

    /// <summary>Plan name; plans listed in <c>PlansWithoutApiAccess</c> have no API access.</summary>
    public string? Plan { get; init; }

    /// <summary>Whether the tenant's credentials may call the API. Default true.</summary>
    public bool? ApiEnabled { get; init; }

    /// <summary>Validations per hour per credential.</summary>
    public int? RateLimitPerHour { get; init; }

    /// <summary>Days without use after which a key is stale.</summary>
    public int? StaleAfterDays { get; init; }

    /// <summary>Whether stale keys are revoked by the lifecycle job.</summary>
    public bool? AutoRevokeStale { get; init; }

    /// <summary>Lifetime of a key created without <c>expiresAt</c>, in days.</summary>
    public int? DefaultKeyLifetimeDays { get; init; }

    /// <summary>Longest lifetime a key may be given, in days.</summary>
    public int? MaxKeyLifetimeDays { get; init; }

    /// <summary>Lead time of "expiring soon" events, in days.</summary>
    public int? ExpiringSoonDays { get; init; }

    /// <summary>Lifetime of the access tokens issued to the tenant's apps, in minutes (5 to the deployment's maximum).</summary>
    public int? TokenLifetimeMinutes { get; init; }
}

/// <summary>Body of <c>PATCH /api/v1/tenants/{tenantId}</c>: present fields change, absent ones stay.</summary>
public sealed class UpdateTenantRequest
{
    /// <summary>Display name.</summary>
    public string? Name { get; init; }

    /// <summary>Plan (admin key only).</summary>
    public string? Plan { get; init; }

    /// <summary>API switch (admin key only).</summary>
    public bool? ApiEnabled { get; init; }

    /// <summary>Validations per hour per credential (admin key only).</summary>
    public int? RateLimitPerHour { get; init; }

    /// <summary>Days without use after which a key is stale.</summary>
    public int? StaleAfterDays { get; init; }

    /// <summary>Whether stale keys are revoked by the lifecycle job.</summary>
    public bool? AutoRevokeStale { get; init; }

    /// <summary>Lifetime of a key created without <c>expiresAt</c>, in days.</summary>
    public int? DefaultKeyLifetimeDays { get; init; }

    /// <summary>Longest lifetime a key may be given, in days.</summary>
    public int? MaxKeyLifetimeDays { get; init; }

    /// <summary>Lead time of "expiring soon" events, in days.</summary>
    public int? ExpiringSoonDays { get; init; }

    /// <summary>Lifetime of the access tokens issued to the tenant's apps, in minutes (5 to the deployment's maximum).</summary>
    public int? TokenLifetimeMinutes { get; init; }
}

/// <summary>A tenant as answered by the API.</summary>
public sealed class TenantResponse
{
    /// <summary>Tenant id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Plan.</summary>
    public required string Plan { get; init; }

    /// <summary>API switch.</summary>
    public required bool ApiEnabled { get; init; }

    /// <summary>Whether the API is reachable: the switch is on and the plan includes API access.</summary>
    public required bool ApiAccess { get; init; }

    /// <summary>Validations per hour per credential.</summary>
    public required int RateLimitPerHour { get; init; }

    /// <summary>Days without use after which a key is stale.</summary>
    public required int StaleAfterDays { get; init; }

    /// <summary>Whether stale keys are revoked by the lifecycle job.</summary>
    public required bool AutoRevokeStale { get; init; }

    /// <summary>Lifetime of a key created without <c>expiresAt</c>, in days.</summary>
    public required int DefaultKeyLifetimeDays { get; init; }

    /// <summary>Longest lifetime a key may be given, in days.</summary>
    public required int MaxKeyLifetimeDays { get; init; }

    /// <summary>Lead time of "expiring soon" events, in days.</summary>
    public required int ExpiringSoonDays { get; init; }

    /// <summary>Lifetime of the access tokens issued to the tenant's apps, in minutes.</summary>
    public required int TokenLifetimeMinutes { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last change.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Body of <c>PUT /api/v1/tenants/{tenantId}/operators/{operatorId}</c>: the operator as it should be.</summary>
public sealed class PutOperatorRequest
{
    /// <summary>Display name, 1 to 100 characters.</summary>
    public required string DisplayName { get; init; }

    /// <summary><c>owner</c>, <c>admin</c> or <c>member</c>.</summary>
    public required string Role { get; init; }

    /// <summary>Permissions (free-form scope tokens, at most 100).</summary>
    public required IReadOnlyList<string> Permissions { get; init; }
}

/// <summary>An operator as answered by the API.</summary>
public sealed class OperatorResponse
{
    /// <summary>Operator id.</summary>
    public required string Id { get; init; }

    /// <summary>Tenant id.</summary>
    public required string TenantId { get; init; }

    /// <summary>Display name.</summary>
    public required string DisplayName { get; init; }

    /// <summary>Role.</summary>
    public required string Role { get; init; }

    /// <summary>Permissions.</summary>
    public required IReadOnlyCollection<string> Permissions { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last change.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
