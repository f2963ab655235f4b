using Microsoft.AspNetCore.Authentication;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// Settings of the ServerlessAuth scheme. Bound from <c>Authentication:Schemes:ServerlessAuth</c> when that section
/// exists, then from the delegate given to <c>AddServerlessAuth</c>; validated at start, every error at once.
/// </summary>
public sealed class ServerlessAuthAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// The ServerlessAuth deployment, its <c>ServerlessAuth:Issuer</c> (e.g. <c>https://auth.example.com</c>): the base of
    /// <c>/api/v1/validate</c> and of the discovery document, and the exact <c>iss</c> of its JWTs. Required.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The <c>aud</c> JWTs must carry, exactly (ServerlessAuth's <c>Tokens:Audience</c>). Default: <see cref="Authority"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>Whether <see cref="Authority"/> must be https. Default true; turn off only for local development.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The key prefix of the deployment (its <c>ApiKeys:Prefix</c>). Default <c>sa</c>.</summary>
    public string ApiKeyPrefix { get; set; } = "sa";

    /// <summary>The environment marker of the deployment's keys (its <c>ApiKeys:Environment</c>): <c>live</c> (default) or <c>test</c>.</summary>
    public string ApiKeyEnvironment { get; set; } = "live";

    /// <summary>
    /// How long an API key that ServerlessAuth accepted is accepted from memory, counted from when its validation was
    /// sent. A revocation reaches this API within ServerlessAuth's <c>Cache:Ttl</c> plus this. Default 5 s; at most 5 minutes.
    /// </summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a refused credential (unknown, revoked, expired, API disabled) is refused from memory. Default 5 s; at most 1 minute.</summary>
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most credentials remembered at once; beyond it, new ones are validated without being remembered. Default 100 000.</summary>
    public int MaxCacheEntries { get; set; } = 100_000;

    /// <summary>
    /// How often uses answered from memory are looked at for reporting: those of credentials due for a refresh (or no
    /// longer used) are reported then. Default 1 s; 100 ms to 1 minute.
    /// </summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for one call to ServerlessAuth before it counts as a failure. Default 3 s; at most 30 s.</summary>
    public TimeSpan ValidateTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long calls stop once the circuit breaker opens (half of the calls of the last 10 s failed, at least 5),
    /// so that a dead ServerlessAuth adds no latency: requests needing it are answered 503 at once. Default 5 s; 1 s to 5 minutes.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How JWTs are validated. Default <see cref="JwtValidationMode.Local"/>.</summary>
    public JwtValidationMode JwtValidation { get; set; } = JwtValidationMode.Local;

    /// <summary>Tolerance on a JWT's <c>exp</c> and <c>nbf</c> when validated locally. Default 30 s (ServerlessAuth's); at most 60 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Where JWTs are validated.</summary>
public enum JwtValidationMode
{
    /// <summary>
    /// Here, from the discovery document and JWKS (fetched once, refreshed as JwtBearer does): no call per request. Sees
    /// signature, issuer, audience, type and lifetime; a token revoked, or whose app or tenant lost access or scopes,
    /// stays accepted until it expires (1 hour by default).
    /// </summary>
    Local,

    /// <summary>
    /// By ServerlessAuth's <c>validate</c>, cached like API keys: revocations and scope changes seen within the same bound
    /// as for API keys, at the cost of one call per token per <see cref="ServerlessAuthAuthenticationOptions.CacheTtl"/>.
    /// </summary>
    Remote,
}
