namespace ServerlessAuth.AspNetCore;

/// <summary>Names the package registers and answers with.</summary>
public static class ServerlessAuthDefaults
{
    /// <summary>The authentication scheme: <c>ServerlessAuth</c>.</summary>
    public const string AuthenticationScheme = "ServerlessAuth";

    /// <summary>
    /// The named <see cref="System.Net.Http.HttpClient"/> that calls ServerlessAuth (<c>validate</c>, the discovery
    /// document, the JWKS). Configure it with <c>services.AddHttpClient(ServerlessAuthDefaults.HttpClientName)</c>, e.g. to
    /// add a proxy or a test handler.
    /// </summary>
    public const string HttpClientName = "ServerlessAuth.AspNetCore";

    /// <summary>The meter of the package's metrics: <c>ServerlessAuth.AspNetCore</c>.</summary>
    public const string MeterName = "ServerlessAuth.AspNetCore";
}

/// <summary>The claims of a principal authenticated by ServerlessAuth.</summary>
public static class ServerlessAuthClaimTypes
{
    /// <summary>The tenant the credential belongs to.</summary>
    public const string Tenant = "tenant";

    /// <summary>The operator an API key belongs to, or the app a JWT was issued to. Also the principal's name.</summary>
    public const string Subject = "sub";

    /// <summary>The key id of an API key, the token id (<c>jti</c>) of a JWT.</summary>
    public const string CredentialId = "credential_id";

    /// <summary><see cref="ServerlessAuthCredentialKinds.ApiKey"/> or <see cref="ServerlessAuthCredentialKinds.Jwt"/>.</summary>
    public const string Kind = "credential_kind";

    /// <summary>One claim per scope the credential holds now.</summary>
    public const string Scope = "scope";

    /// <summary>The role of the operator behind an API key (<c>owner</c>, <c>admin</c>, <c>member</c>); none for JWTs.</summary>
    public const string Role = "role";
}

/// <summary>The values of <see cref="ServerlessAuthClaimTypes.Kind"/>.</summary>
public static class ServerlessAuthCredentialKinds
{
    /// <summary>An API key (personal access token of an operator).</summary>
    public const string ApiKey = "apiKey";

    /// <summary>An access token (client-credentials JWT of an app).</summary>
    public const string Jwt = "jwt";
}
