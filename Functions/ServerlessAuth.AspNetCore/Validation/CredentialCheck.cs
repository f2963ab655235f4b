namespace ServerlessAuth.AspNetCore.Validation;

/// <summary>A credential ServerlessAuth (or the local JWT check) accepted: who it is and what it may do now.</summary>
internal sealed record ValidatedCredential(
    string Kind, string TenantId, string CredentialId, string Subject, IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt, string? Role);

/// <summary>
/// Why a request is not authenticated, as it is answered: the status, the stable problem <c>code</c> (ServerlessAuth's own),
/// the RFC 6750 challenge error, and the headers passed through (<c>Retry-After</c>, <c>RateLimit-Policy</c>, <c>RateLimit</c>).
/// </summary>
internal sealed record Refusal(int Status, string Code, string Detail, string? ChallengeError, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public static readonly Refusal Missing = new(401, "missing_credential", "Present an API key or token in 'Authorization: Bearer …' or 'x-api-key'.", null, []);

    public static readonly Refusal Invalid = new(401, "invalid_credential", "The credential is not valid.", "invalid_token", []);

    public static readonly Refusal Expired = new(401, "credential_expired", "The credential has expired.", "invalid_token", []);

    public static readonly Refusal Revoked = new(401, "credential_revoked", "The credential has been revoked.", "invalid_token", []);

    public static readonly Refusal ApiNotEnabled = new(403, "api_not_enabled", "API access is not enabled for this tenant or its plan.", "insufficient_scope", []);

    public static Refusal BadRequest(string detail) => new(400, "invalid_request", detail, "invalid_request", []);

    public static Refusal RateLimited(IReadOnlyList<KeyValuePair<string, string>> headers) =>
        new(429, "rate_limited", "The credential's rate limit is exhausted; retry later.", null, headers);

    public static Refusal Unavailable(TimeSpan retryAfter) =>
        new(503, "unavailable", "The credential could not be checked: ServerlessAuth is unreachable. Retry later.", null,
            [new("Retry-After", Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    /// <summary>The refusal a ServerlessAuth problem code stands for (401 and 403 answers of <c>validate</c>).</summary>
    public static Refusal FromCode(string? code) => code switch
    {
        "credential_expired" => Expired,
        "credential_revoked" => Revoked,
        "api_not_enabled" => ApiNotEnabled,
        _ => Invalid,
    };
}

/// <summary>The answer for one presented credential: accepted, or refused (a value, never an exception).</summary>
internal readonly record struct CredentialCheck(ValidatedCredential? Credential, Refusal? Refusal)
{
    public static implicit operator CredentialCheck(ValidatedCredential credential) => new(credential, null);

    public static implicit operator CredentialCheck(Refusal refusal) => new(null, refusal);
}
