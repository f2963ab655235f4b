namespace ServerlessAuth.ApiKeys;

/// <summary>Body of <c>POST /api/v1/tenants/{tenantId}/keys</c>.</summary>
public sealed class CreateApiKeyRequest
{
    /// <summary>The operator the key belongs to (a member may only name itself).</summary>
    public required string OperatorId { get; init; }

    /// <summary>Descriptive name, 1 to 100 characters.</summary>
    public required string Name { get; init; }

    /// <summary>Scopes; each must be one of the operator's permissions.</summary>
    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>Expiry; default and maximum come from the tenant's policy.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Per-key rate limit (validations per hour), at most the tenant's.</summary>
    public int? RateLimitPerHour { get; init; }
}

/// <summary>Body of <c>POST /api/v1/tenants/{tenantId}/keys/{keyId}/rotate</c> (optional).</summary>
public sealed class RotateApiKeyRequest
{
    /// <summary>How long the old key keeps working, 0 (default: at once) to 604800 (7 days).</summary>
    public int? OverlapSeconds { get; init; }

    /// <summary>Expiry of the new key; default and maximum come from the tenant's policy.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>An API key as answered by the API. <see cref="Key"/> is present once, in the response that creates it.</summary>
public sealed class ApiKeyResponse
{
    /// <summary>Key id.</summary>
    public required string Id { get; init; }

    /// <summary>The secret: shown in this response only, never again.</summary>
    public string? Key { get; init; }

    /// <summary>Tenant id.</summary>
    public required string TenantId { get; init; }

    /// <summary>Owner.</summary>
    public required string OperatorId { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>Non-secret hint: prefix and last four characters.</summary>
    public required string Hint { get; init; }

    /// <summary><c>active</c>, <c>expired</c> or <c>revoked</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Scopes granted at issue (effective scopes also depend on the operator's current permissions).</summary>
    public required IReadOnlyCollection<string> Scopes { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Expiry.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Last successful validation (coalesced; may lag by a minute).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>Revocation time.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Unused for the tenant's stale-after days.</summary>
    public required bool Stale { get; init; }

    /// <summary>Per-key rate limit, if set.</summary>
    public int? RateLimitPerHour { get; init; }

    /// <summary>The key this one replaced by rotation.</summary>
    public string? RotatedFrom { get; init; }

    /// <summary>The key that replaced this one by rotation.</summary>
    public string? RotatedTo { get; init; }

    /// <summary>In a rotation's response: when the previous key stops working.</summary>
    public DateTimeOffset? PreviousKeyExpiresAt { get; init; }
}
