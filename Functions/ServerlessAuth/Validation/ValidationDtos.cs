namespace ServerlessAuth.Validation;

/// <summary>Optional body of <c>POST /api/v1/validate</c>.</summary>
public sealed class ValidateRequest
{
    /// <summary>The most uses one validation may charge (<see cref="Uses"/>).</summary>
    public const int MaxUses = 10_000;

    /// <summary>Scopes the caller's operation needs; all must be present.</summary>
    public IReadOnlyList<string>? RequiredScopes { get; init; }

    /// <summary>
    /// How many uses this validation charges to the credential's hourly budget and usage counts: 1 to
    /// <see cref="MaxUses"/>, default 1. A resource server that answers repeated requests from a cache of its own
    /// (ServerlessAuth.AspNetCore) reports the requests it admitted that way here. When fewer uses than this are left,
    /// what is left is spent and the answer is 429.
    /// </summary>
    public int? Uses { get; init; }
}

/// <summary>Answer of <c>POST /api/v1/validate</c> for a good credential.</summary>
public sealed class ValidationResponse
{
    /// <summary>Always true (a bad credential answers 401/403).</summary>
    public required bool Active { get; init; }

    /// <summary><c>apiKey</c> or <c>jwt</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Tenant id.</summary>
    public required string TenantId { get; init; }

    /// <summary>Key id or token id.</summary>
    public required string CredentialId { get; init; }

    /// <summary>Operator id (API keys) or app id (JWTs).</summary>
    public required string Subject { get; init; }

    /// <summary>Effective scopes: the key's scopes that its operator still holds.</summary>
    public required IReadOnlyCollection<string> Scopes { get; init; }

    /// <summary>Expiry.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The operator's role (API keys).</summary>
    public string? Role { get; init; }

    /// <summary>Unused for the tenant's stale-after days (API keys).</summary>
    public bool? Stale { get; init; }
}
