namespace ServerlessAuth.Apps;

/// <summary>Body of <c>POST /api/v1/tenants/{tenantId}/apps</c>.</summary>
public sealed class CreateAppRequest
{
    /// <summary>Name, 1 to 100 characters (required).</summary>
    public required string Name { get; init; }

    /// <summary>Description, 1 to 500 characters (required).</summary>
    public required string Description { get; init; }

    /// <summary>Scopes the app's tokens may carry; each must be grantable by the caller.</summary>
    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>Expiry of the first App Secret; default and maximum: the tenant's maximum key lifetime.</summary>
    public DateTimeOffset? SecretExpiresAt { get; init; }

    /// <summary>
    /// When the registration itself ends (at least 5 minutes ahead); omitted, it does not (its secrets still expire).
    /// From then on its secrets and tokens stop working, as if revoked.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>Optional body of <c>POST /api/v1/tenants/{tenantId}/apps/{appId}/secrets</c>.</summary>
public sealed class AddAppSecretRequest
{
    /// <summary>Expiry of the new secret; default and maximum: the tenant's maximum key lifetime.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}

/// <summary>An app registration as answered by the API. <see cref="AppSecret"/> is present once, when the app is created.</summary>
public sealed class AppResponse
{
    /// <summary>App ID (UUID): the <c>client_id</c> at the token endpoint.</summary>
    public required string AppId { get; init; }

    /// <summary>The first App Secret: in the creating response only, never again.</summary>
    public string? AppSecret { get; init; }

    /// <summary>Id of the secret in <see cref="AppSecret"/> (creating response only).</summary>
    public string? SecretId { get; init; }

    /// <summary>Tenant id.</summary>
    public required string TenantId { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>Description.</summary>
    public required string Description { get; init; }

    /// <summary>Scopes the app's tokens may carry.</summary>
    public required IReadOnlyCollection<string> Scopes { get; init; }

    /// <summary><c>active</c>, <c>expired</c> (past <see cref="ExpiresAt"/>) or <c>revoked</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the registration ends (null: it does not).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Revocation time.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The app's secrets (never their values).</summary>
    public required IReadOnlyList<AppSecretResponse> Secrets { get; init; }
}

/// <summary>One App Secret as answered by the API. <see cref="AppSecret"/> is present once, when the secret is added.</summary>
public sealed class AppSecretResponse
{
    /// <summary>Secret id.</summary>
    public required string SecretId { get; init; }

    /// <summary>The secret: in the adding response only, never again.</summary>
    public string? AppSecret { get; init; }

    /// <summary>App ID (in the adding response).</summary>
    public string? AppId { get; init; }

    /// <summary><c>active</c> or <c>expired</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Expiry.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Last successful use at the token endpoint (not tracked yet).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
}
