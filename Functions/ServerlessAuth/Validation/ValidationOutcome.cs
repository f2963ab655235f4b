using ServerlessAuth.ApiKeys;
using ServerlessAuth.Tenants;

namespace ServerlessAuth.Validation;

/// <summary>Why a presented credential was refused. Each maps to one stable problem code.</summary>
internal enum RejectionReason
{
    /// <summary>Unknown key, bad checksum, wrong secret, bad or foreign JWT.</summary>
    InvalidCredential,
    Expired,
    Revoked,
    ApiNotEnabled,
    InsufficientScope,
}

/// <summary>A credential that validated, with what it may do now.</summary>
internal sealed record CredentialPrincipal
{
    public required string Kind { get; init; }
    public required Tenant Tenant { get; init; }
    public required string CredentialId { get; init; }
    public required string Subject { get; init; }

    /// <summary>The effective scopes, in ordinal order (see <see cref="Security.Scopes.Effective"/>).</summary>
    public required IReadOnlySet<string> Scopes { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Issue time of a JWT (<c>iat</c>); null for API keys.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>The operator behind an API key; null for app tokens.</summary>
    public Operator? Operator { get; init; }

    /// <summary>The key itself, for API keys.</summary>
    public ApiKey? ApiKey { get; init; }

    public bool Stale { get; init; }
}

/// <summary>The result of validating a credential: a principal, or a reason (never an exception).</summary>
internal sealed record ValidationOutcome
{
    private ValidationOutcome()
    {
    }

    public CredentialPrincipal? Principal { get; private init; }
    public RejectionReason? Reason { get; private init; }

    /// <summary>For <see cref="RejectionReason.InsufficientScope"/>: the scopes the request needed.</summary>
    public IReadOnlySet<string>? RequiredScopes { get; private init; }

    /// <summary>Set once the presented secret matched a stored credential (for logging and audit).</summary>
    public string? CredentialId { get; private init; }

    /// <summary>
    /// For a refusal once the secret matched (or the JWT's signature verified): whose log records it. Null for
    /// credentials nobody holds (unknown keys, forged tokens), which only metrics count.
    /// </summary>
    public CredentialHolder? Holder { get; private init; }

    public static ValidationOutcome Success(CredentialPrincipal principal) => new() { Principal = principal, CredentialId = principal.CredentialId };

    public static ValidationOutcome Reject(RejectionReason reason) => new() { Reason = reason };

    public static ValidationOutcome Reject(RejectionReason reason, string credentialId, CredentialHolder holder, IReadOnlySet<string>? required = null) =>
        new() { Reason = reason, CredentialId = credentialId, Holder = holder, RequiredScopes = required };
}

/// <summary>The tenant and credential (an API key, or the app of a JWT) a refused validation is logged against.</summary>
internal sealed record CredentialHolder(TenantId Tenant, string CredentialId, string? Hint);
