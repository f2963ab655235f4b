using System.Text.Json.Serialization;

namespace ServerlessAuth.Tokens;

/// <summary>JSON body of <c>POST /api/v1/token</c> (the Kinabase form).</summary>
public sealed class AppTokenRequest
{
    /// <summary>App ID.</summary>
    public required string AppId { get; init; }

    /// <summary>App Secret.</summary>
    public required string AppSecret { get; init; }
}

/// <summary>Answer to the JSON form of <c>POST /api/v1/token</c>.</summary>
public sealed class AppTokenResponse
{
    /// <summary>The access token (a JWT).</summary>
    public required string Token { get; init; }

    /// <summary>Always <c>Bearer</c>.</summary>
    public required string TokenType { get; init; }

    /// <summary>Seconds until expiry.</summary>
    public required int ExpiresIn { get; init; }

    /// <summary>Expiry.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>RFC 6749 §5.1 access token response (form-encoded requests). Never a refresh token.</summary>
public sealed class OAuthTokenResponse
{
    /// <summary>The access token (a JWT).</summary>
    [JsonPropertyName("access_token")]
    public required string AccessToken { get; init; }

    /// <summary>Always <c>Bearer</c>.</summary>
    [JsonPropertyName("token_type")]
    public required string TokenType { get; init; }

    /// <summary>Seconds until expiry.</summary>
    [JsonPropertyName("expires_in")]
    public required int ExpiresIn { get; init; }

    /// <summary>Granted scopes, space-separated.</summary>
    [JsonPropertyName("scope")]
    public required string Scope { get; init; }
}

/// <summary>RFC 6749 §5.2 error response.</summary>
public sealed class OAuthErrorBody
{
    /// <summary>Error code (<c>invalid_request</c>, <c>invalid_client</c>, …).</summary>
    [JsonPropertyName("error")]
    public required string Error { get; init; }

    /// <summary>Explanation for a human.</summary>
    [JsonPropertyName("error_description")]
    public required string ErrorDescription { get; init; }
}

/// <summary>RFC 7662 introspection response. For anything not active for the caller only <c>active: false</c>.</summary>
public sealed class IntrospectionResponse
{
    /// <summary>Whether the token is active for the caller.</summary>
    [JsonPropertyName("active")]
    public required bool Active { get; init; }

    /// <summary>Effective scopes, space-separated.</summary>
    [JsonPropertyName("scope")]
    public string? Scope { get; init; }

    /// <summary>App id (JWTs).</summary>
    [JsonPropertyName("client_id")]
    public string? ClientId { get; init; }

    /// <summary>App id (JWTs) or operator id (API keys).</summary>
    [JsonPropertyName("sub")]
    public string? Subject { get; init; }

    /// <summary><c>Bearer</c>.</summary>
    [JsonPropertyName("token_type")]
    public string? TokenType { get; init; }

    /// <summary>Expiry, seconds since the epoch.</summary>
    [JsonPropertyName("exp")]
    public long? Exp { get; init; }

    /// <summary>Issue time, seconds since the epoch (JWTs).</summary>
    [JsonPropertyName("iat")]
    public long? Iat { get; init; }

    /// <summary>Issuer (JWTs).</summary>
    [JsonPropertyName("iss")]
    public string? Issuer { get; init; }

    /// <summary>Audience (JWTs).</summary>
    [JsonPropertyName("aud")]
    public string? Audience { get; init; }

    /// <summary>Token id (JWTs) or key id (API keys).</summary>
    [JsonPropertyName("jti")]
    public string? Jti { get; init; }

    /// <summary>Tenant id.</summary>
    [JsonPropertyName("tenant")]
    public string? Tenant { get; init; }

    /// <summary><c>jwt</c> or <c>apiKey</c>.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; init; }
}

/// <summary>The JWKS (RFC 7517): the public signing keys.</summary>
public sealed class JsonWebKeySetResponse
{
    /// <summary>Published keys: the active one, the next one, and retired ones still needed.</summary>
    [JsonPropertyName("keys")]
    public required IReadOnlyList<PublicJsonWebKey> Keys { get; init; }
}

/// <summary>One public EC P-256 key.</summary>
public sealed class PublicJsonWebKey
{
    /// <summary><c>EC</c>.</summary>
    [JsonPropertyName("kty")]
    public required string Kty { get; init; }

    /// <summary><c>sig</c>.</summary>
    [JsonPropertyName("use")]
    public required string Use { get; init; }

    /// <summary>Key id.</summary>
    [JsonPropertyName("kid")]
    public required string Kid { get; init; }

    /// <summary><c>ES256</c>.</summary>
    [JsonPropertyName("alg")]
    public required string Alg { get; init; }

    /// <summary><c>P-256</c>.</summary>
    [JsonPropertyName("crv")]
    public required string Crv { get; init; }

    /// <summary>X coordinate, base64url.</summary>
    [JsonPropertyName("x")]
    public required string X { get; init; }

    /// <summary>Y coordinate, base64url.</summary>
    [JsonPropertyName("y")]
    public required string Y { get; init; }
}

/// <summary>RFC 8414 authorization server metadata (also served as <c>openid-configuration</c>).</summary>
public sealed class AuthorizationServerMetadata
{
    /// <summary>Equals the tokens' <c>iss</c> byte for byte.</summary>
    [JsonPropertyName("issuer")]
    public required string Issuer { get; init; }

    /// <summary>JWKS address.</summary>
    [JsonPropertyName("jwks_uri")]
    public required string JwksUri { get; init; }

    /// <summary>Token endpoint.</summary>
    [JsonPropertyName("token_endpoint")]
    public required string TokenEndpoint { get; init; }

    /// <summary>Introspection endpoint (RFC 7662).</summary>
    [JsonPropertyName("introspection_endpoint")]
    public required string IntrospectionEndpoint { get; init; }

    /// <summary>Revocation endpoint (RFC 7009).</summary>
    [JsonPropertyName("revocation_endpoint")]
    public required string RevocationEndpoint { get; init; }

    /// <summary><c>client_credentials</c>.</summary>
    [JsonPropertyName("grant_types_supported")]
    public required IReadOnlyList<string> GrantTypesSupported { get; init; }

    /// <summary>None: there is no authorization endpoint.</summary>
    [JsonPropertyName("response_types_supported")]
    public required IReadOnlyList<string> ResponseTypesSupported { get; init; }

    /// <summary><c>client_secret_basic</c>, <c>client_secret_post</c>.</summary>
    [JsonPropertyName("token_endpoint_auth_methods_supported")]
    public required IReadOnlyList<string> TokenEndpointAuthMethodsSupported { get; init; }

    /// <summary>As for the token endpoint.</summary>
    [JsonPropertyName("introspection_endpoint_auth_methods_supported")]
    public required IReadOnlyList<string> IntrospectionEndpointAuthMethodsSupported { get; init; }

    /// <summary>As for the token endpoint.</summary>
    [JsonPropertyName("revocation_endpoint_auth_methods_supported")]
    public required IReadOnlyList<string> RevocationEndpointAuthMethodsSupported { get; init; }

    /// <summary><c>ES256</c>: the algorithm of our access tokens (listed for stock OpenID Connect middleware).</summary>
    [JsonPropertyName("id_token_signing_alg_values_supported")]
    public required IReadOnlyList<string> IdTokenSigningAlgValuesSupported { get; init; }

    /// <summary><c>public</c> (for stock OpenID Connect middleware).</summary>
    [JsonPropertyName("subject_types_supported")]
    public required IReadOnlyList<string> SubjectTypesSupported { get; init; }
}

/// <summary>Answer of <c>POST /api/v1/admin/signing-keys/rotate</c>.</summary>
public sealed class SigningKeysResponse
{
    /// <summary><c>rotated</c>, <c>alreadyPending</c>, <c>notDue</c> or <c>ringFull</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>The key source: <c>keyVault</c> or <c>development</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The keys of the ring and their timeline.</summary>
    public required IReadOnlyList<SigningKeyInfo> Keys { get; init; }
}

/// <summary>One signing key on the rotation timeline (never key material).</summary>
public sealed class SigningKeyInfo
{
    /// <summary>Key id.</summary>
    public required string Kid { get; init; }

    /// <summary><c>pending</c>, <c>active</c> or <c>retired</c>.</summary>
    public required string State { get; init; }

    /// <summary>When it starts signing.</summary>
    public required DateTimeOffset ActivatesAt { get; init; }

    /// <summary>When its successor starts signing.</summary>
    public DateTimeOffset? RetiresAt { get; init; }

    /// <summary>When it leaves the JWKS.</summary>
    public DateTimeOffset? RemovedAt { get; init; }
}
