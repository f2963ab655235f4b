using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Apps;
using ServerlessAuth.RateLimiting;

namespace ServerlessAuth.Tokens;

/// <summary>
/// <c>POST /api/v1/token</c>: an app's credentials for an access token. Two shapes: the Kinabase JSON
/// <c>{appId, appSecret}</c>, and RFC 6749 §4.4 client credentials (form-encoded, secret in the body or HTTP Basic,
/// optional <c>scope</c> narrowing). Errors as RFC 6749 §5.2. Never a refresh token.
/// </summary>
internal sealed class TokenEndpointHandler(
    ClientAuthenticator clients, TokenIssuer issuer, CredentialRateLimiter limiter, FailureThrottle failures, ServerlessAuthTelemetry telemetry, ILogger<TokenEndpointHandler> logger)
{
    public const string BearerType = "Bearer";

    public async Task<Results<Ok<AppTokenResponse>, OAuthError>> IssueForAppAsync(AppTokenRequest body, ClientAddress from, CancellationToken cancellationToken)
    {
        var (client, error) = await AuthenticateAsync(new ClientCredentials(body.AppId, body.AppSecret, ViaBasic: false, from), cancellationToken);
        if (error is not null)
        {
            return error;
        }

        if (await LimitAsync(client!, cancellationToken) is { } limited)
        {
            return limited;
        }

        var token = await IssueAsync(client!, client!.Scopes!, cancellationToken);
        return TypedResults.Ok(new AppTokenResponse { Token = token.Token, TokenType = BearerType, ExpiresIn = token.ExpiresIn, ExpiresAt = token.ExpiresAt });
    }

    public async Task<Results<Ok<OAuthTokenResponse>, OAuthError>> IssueClientCredentialsAsync(
        IReadOnlyDictionary<string, string> form, ClientCredentials credentials, CancellationToken cancellationToken)
    {
        if (!form.TryGetValue("grant_type", out var grantType) || grantType.Length == 0)
        {
            return OAuthError.InvalidRequest("grant_type is required.");
        }

        if (grantType != "client_credentials")
        {
            return OAuthError.UnsupportedGrantType("Only grant_type=client_credentials is supported.");
        }

        form.TryGetValue("scope", out var scopeText);
        var requested = Security.Scopes.ParseList(scopeText, out _);
        if (requested is null)
        {
            return OAuthError.InvalidScope("scope must be space-separated scope tokens.");
        }

        var (client, error) = await AuthenticateAsync(credentials, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        // What the app may do now: its registered scopes as far as the operator who registered it still holds them.
        var allowed = client!.Scopes!;
        if (!requested.IsSubsetOf(allowed))
        {
            return OAuthError.InvalidScope("The requested scope exceeds the scopes the app may use.");
        }

        if (await LimitAsync(client, cancellationToken) is { } limited)
        {
            return limited;
        }

        // No scope parameter: the app's registered scopes (RFC 6749 §3.3 lets the server choose the default).
        var token = await IssueAsync(client, requested.Count > 0 ? requested : allowed, cancellationToken);
        return TypedResults.Ok(new OAuthTokenResponse
        {
            AccessToken = token.Token,
            TokenType = BearerType,
            ExpiresIn = token.ExpiresIn,
            Scope = Security.Scopes.Join(token.Scopes.Order(StringComparer.Ordinal)),
        });
    }

    /// <summary>Authenticates the client, mapping every refusal to its RFC 6749 §5.2 error. Shared by introspection and revocation.</summary>
    public async Task<(ClientAuthentication? Client, OAuthError? Error)> AuthenticateAsync(ClientCredentials credentials, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(credentials.ClientId) || string.IsNullOrEmpty(credentials.ClientSecret))
        {
            // A failed HTTP Basic attempt is 401 invalid_client whatever was missing from it (RFC 6749 §5.2); half a
            // credential in the body is a malformed request.
            return (null, !credentials.Present || credentials.ViaBasic
                ? OAuthError.InvalidClient("Client authentication is required: HTTP Basic with both client id and secret, or client_id and client_secret (appId and appSecret).")
                : OAuthError.InvalidRequest("Both the client id and the client secret are required."));
        }

        var client = await clients.AuthenticateAsync(credentials.ClientId, credentials.ClientSecret, cancellationToken);
        if (client.Rejection is not { } rejection)
        {
            return (client, null);
        }

        Log.ClientRejected(logger, client.App?.Id.Value, rejection.ToString());

        // A secret that did not open the app counts against its client's failure budget, as a refused key does at
        // validate; a matched secret of an app whose tenant lacks API access is not a guess.
        if (rejection != ClientRejection.ApiNotEnabled && failures.RecordFailure(credentials.From) is { } throttled)
        {
            return (null, OAuthError.RateLimited(throttled, "Too many failed client authentications from this client; retry later."));
        }

        return (null, rejection switch
        {
            ClientRejection.AppRevoked => OAuthError.InvalidClient("The app has been revoked; register a new app."),
            ClientRejection.AppExpired => OAuthError.InvalidClient("The app registration has expired; register a new app."),
            ClientRejection.SecretExpired => OAuthError.InvalidClient("The client secret has expired; add a new secret to the app."),
            ClientRejection.ApiNotEnabled => OAuthError.UnauthorizedClient("API access is not enabled for this tenant (api_not_enabled)."),
            _ => OAuthError.InvalidClient("Unknown client or wrong secret."),
        });
    }

    /// <summary>One use of the app's hourly budget (the one its tokens' validations spend too).</summary>
    private async Task<OAuthError?> LimitAsync(ClientAuthentication client, CancellationToken cancellationToken)
    {
        var key = new RateLimitKey(client.Tenant!.Id, "app:" + client.App!.Id.Value);
        var decision = await limiter.AcquireAsync(key, client.Tenant.RateLimitPerHour, null, cancellationToken);
        return decision is { Admitted: false } refused ? OAuthError.RateLimited(refused) : null;
    }

    private async Task<IssuedToken> IssueAsync(ClientAuthentication client, IReadOnlySet<string> scopes, CancellationToken cancellationToken)
    {
        var token = await issuer.IssueAsync(client.App!, client.Tenant!, scopes, cancellationToken);
        Log.TokenIssued(logger, client.Tenant!.Id.Value, client.App!.Id.Value, client.Secret!.Id.Value, token.Jti, token.Kid);
        telemetry.RecordTokenIssued();
        return token;
    }
}
