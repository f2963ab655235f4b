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

    /// <summary>
    /// Random per creation of the operator: its keys and the apps it registers carry it, so that an operator created
    /// again with the same id inherits none of them. Null on rows stored before it existed (set on their next grant).
    /// </summary>
    public string? Generation { get; init; }

    /// <summary>
    /// Set by the first step of a removal: from then on the operator's keys and apps are refused and nothing more is
    /// granted to it, so the removal's revocations finish however many grants were racing it.
    /// </summary>
    public bool Removing { get; init; }

    public ETag ETag { get; init; }

    public bool ManagesTenant => Role is OperatorRole.Owner or OperatorRole.Admin;

    /// <summary>A new <see cref="Generation"/>.</summary>
    public static string NewGeneration() => Security.Base62.Random(16);

    /// <summary>
    /// Whether this operator still stands behind a credential stamped with <paramref name="generation"/>: it is not being
    /// removed, and it is the operator that made it (not an earlier one of the same id). A missing stamp on either side
    /// (rows stored before generations existed) counts as the same generation.
    /// </summary>
    public bool Backs(string? generation) =>
        !Removing && (generation is null || Generation is null || string.Equals(generation, Generation, StringComparison.Ordinal));

    /// <summary>The role as the API spells it: <c>member</c>, <c>admin</c> or <c>owner</c>.</summary>
    public string RoleName => Role switch
    {
        OperatorRole.Owner => "owner",
        OperatorRole.Admin => "admin",
        _ => "member",
    };
}
