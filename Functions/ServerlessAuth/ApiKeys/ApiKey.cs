using Azure;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.ApiKeys;

/// <summary>Stored status of an API key. <see cref="Expired"/> is also reported for an active key past its expiry.</summary>
internal enum ApiKeyStatus
{
    Active,
    Expired,
    Revoked,
}

/// <summary>An API key (personal access token) as stored: never the secret, only its digest.</summary>
internal sealed record ApiKey
{
    public required TenantId TenantId { get; init; }
    public required ApiKeyId Id { get; init; }
    public required OperatorId OperatorId { get; init; }
    public required string Name { get; init; }
    public required IReadOnlySet<string> Scopes { get; init; }
    public required ApiKeyStatus Status { get; init; }
    public required string Hint { get; init; }

    /// <summary>SHA-256 of the secret; never serialized to a response or a log.</summary>
    public required string SecretDigest { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? LastUsedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }

    /// <summary>Per-key override of the tenant's rate limit.</summary>
    public int? RateLimitPerHour { get; init; }

    /// <summary>The key this one replaced by rotation.</summary>
    public string? RotatedFrom { get; init; }

    /// <summary>The key that replaced this one by rotation.</summary>
    public string? RotatedTo { get; init; }

    /// <summary>
    /// Whose hourly budget this key spends: the first key of its rotation chain, so that rotating a key does not
    /// bring a fresh budget. Null on keys stored before it existed: their own id.
    /// </summary>
    public string? RateLimitId { get; init; }

    /// <summary>The <see cref="Operator.Generation"/> of its operator when it was issued (null on keys stored before it existed).</summary>
    public string? OperatorGeneration { get; init; }

    /// <summary>The id of the budget this key spends (see <see cref="RateLimitId"/>).</summary>
    public string BudgetId => RateLimitId ?? Id.Value;

    public ETag ETag { get; init; }

    /// <summary>The status a user sees at <paramref name="now"/>: an active key at or past its expiry is expired.</summary>
    public ApiKeyStatus EffectiveStatus(DateTimeOffset now) =>
        Status == ApiKeyStatus.Active && now >= ExpiresAt ? ApiKeyStatus.Expired : Status;

    /// <summary>Unused for the tenant's stale-after days (never used counts from creation).</summary>
    public bool IsStale(DateTimeOffset now, int staleAfterDays) =>
        now - (LastUsedAt ?? CreatedAt) >= TimeSpan.FromDays(staleAfterDays);
}
