using Azure;

namespace ServerlessAuth.Tenants;

/// <summary>One customer organisation of the provider, with its plan, API switch, limits and lifecycle policy.</summary>
internal sealed record Tenant
{
    public required TenantId Id { get; init; }
    public required string Name { get; init; }
    public required string Plan { get; init; }
    public required bool ApiEnabled { get; init; }
    public required int RateLimitPerHour { get; init; }
    public required int StaleAfterDays { get; init; }
    public required bool AutoRevokeStale { get; init; }
    public required int DefaultKeyLifetimeDays { get; init; }
    public required int MaxKeyLifetimeDays { get; init; }
    public required int ExpiringSoonDays { get; init; }

    /// <summary>Lifetime of the access tokens issued to the tenant's apps, in minutes.</summary>
    public required int TokenLifetimeMinutes { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public ETag ETag { get; init; }
}

/// <summary>The role of an operator within its tenant.</summary>
internal enum OperatorRole
{
    Member,
    Admin,
    Owner,
}

/// <summary>A user of a tenant, kept in sync by the provider's backend.</summary>
internal sealed record Operator
{
    public required TenantId TenantId { get; init; }
    public required OperatorId Id { get; init; }
    public required string DisplayName { get; init; }
    public required OperatorRole Role { get; init; }
    public required IReadOnlySet<string> Permissions { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public ETag ETag { get; init; }

    public bool ManagesTenant => Role is OperatorRole.Owner or OperatorRole.Admin;

    /// <summary>The role as the API spells it: <c>member</c>, <c>admin</c> or <c>owner</c>.</summary>
    public string RoleName => Role switch
    {
        OperatorRole.Owner => "owner",
        OperatorRole.Admin => "admin",
        _ => "member",
    };
}
