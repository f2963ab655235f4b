using ServerlessAuth.Tenants;

namespace ServerlessAuth.RateLimiting;

/// <summary>
/// Whose budget a use is charged to: one credential of one tenant, <c>{tenantId}|{credentialId}</c> (an API key id
/// now; an app id or token id for JWTs). It is the partition key of the shared counter, so it is checked here.
/// </summary>
internal readonly record struct RateLimitKey
{
    private const int MaxCredentialIdLength = 200;

    public RateLimitKey(TenantId tenant, string credentialId)
    {
        // Ids reach here only after validation; anything else is a bug, not bad input.
        ArgumentException.ThrowIfNullOrEmpty(credentialId);
        if (credentialId.Length > MaxCredentialIdLength || credentialId.Any(c => c is '/' or '\\' or '#' or '?' or '|' || char.IsControl(c)))
        {
            throw new ArgumentException("A credential id cannot be part of a Table Storage key.", nameof(credentialId));
        }

        Tenant = tenant;
        CredentialId = credentialId;
    }

    public TenantId Tenant { get; }

    public string CredentialId { get; }

    /// <summary><c>{tenantId}|{credentialId}</c>: unambiguous, since neither part contains <c>|</c>.</summary>
    public override string ToString() => $"{Tenant.Value}|{CredentialId}";
}
